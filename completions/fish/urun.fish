# SPDX-License-Identifier: Apache-2.0
# fish completion for urun(1)

# Print "COMMAND" (or nothing) followed by the --root value (or nothing),
# parsed from the tokens before the cursor.
function __urun_parse
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l root
    set -l skip 0
    for i in (seq (count $tokens))
        set -l t $tokens[$i]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case --root
                set skip 1
                set -l j (math $i + 1)
                set -q tokens[$j]; and set root $tokens[$j]
            case '--root=*'
                set root (string replace -- --root= '' $t)
            case --log --log-format --log-level --rootless
                set skip 1
            case '-*'
            case '*'
                echo $t
                echo $root
                return 0
        end
    end
    echo
    echo $root
end

function __urun_command
    set -l p (__urun_parse)
    echo $p[1]
end

function __urun_needs_command
    test -z (__urun_command)
end

function __urun_using_command
    contains -- (__urun_command) $argv
end

# Number of positional arguments after the command, skipping options and
# their arguments.  For exec, everything after the container id counts;
# with --rest, print instead the tokens that follow the container id.
function __urun_npos
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd (__urun_command)
    set -l argopts
    switch $cmd
        case spec
            set argopts --bundle -b
        case create run
            set argopts --bundle -b --config -f --pid-file --console-socket --notify-socket --preserve-fds
        case list ps
            set argopts --format -f
        case update
            set argopts --resources -r --memory --memory-reservation --memory-swap --kernel-memory --kernel-memory-tcp --cpu-share --cpu-shares --cpu-quota --cpu-period --cpu-rt-period --cpu-rt-runtime --cpuset-cpus --cpuset-mems --pids-limit --blkio-weight
        case events
            set argopts --interval
        case exec
            set argopts --process -p --env -e --cwd --user -u --additional-gids --cap -c --preserve-fds --pid-file --console-socket
    end
    set -l seen 0
    set -l skip 0
    set -l n 0
    set -l rest
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        if test $seen -eq 0
            # Global options, up to the command.
            switch $t
                case --root --log --log-format --log-level --rootless
                    set skip 1
                case '-*'
                case '*'
                    set seen 1
            end
            continue
        end
        if test "$cmd" = exec; and test $n -gt 0
            set n (math $n + 1)
            set -a rest $t
            continue
        end
        if contains -- $t $argopts
            set skip 1
        else if not string match -q -- '-*' $t
            set n (math $n + 1)
        end
    end
    if test "$argv[1]" = --rest
        set -q rest[1]; and printf '%s\n' $rest
    else
        echo $n
    end
end

function __urun_npos_is
    test (__urun_npos) -eq $argv[1]
end

function __urun_containers
    set -l p (__urun_parse)
    set -l root $p[2]
    if test -n "$root"
        urun --root $root list -q 2>/dev/null
    else
        urun list -q 2>/dev/null
    end
end

function __urun_signals
    set -l sigs ABRT ALRM BUS CHLD CONT FPE HUP ILL INT IO KILL PIPE PROF PWR QUIT \
        SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH \
        XCPU XFSZ
    printf '%s\n' $sigs
    printf 'SIG%s\n' $sigs
end

function __urun_caps
    set -l caps AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF \
        CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID \
        IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD \
        NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP SETGID \
        SETPCAP SETUID SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT \
        SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG SYSLOG \
        WAKE_ALARM
    printf 'CAP_%s\n' $caps
end

# Complete the command given to exec, as if it were typed on its own.
function __urun_exec_subcommand
    set -l cmdline
    for t in (__urun_npos --rest)
        set -a cmdline (string escape -- $t)
    end
    set -a cmdline (commandline -ct)
    complete -C "$cmdline"
end

# True for exec when the container id has been given: the rest is the command.
function __urun_exec_command
    __urun_using_command exec; and test (__urun_npos) -gt 0
end

complete -c urun -f

# Global options
set -l g '__urun_needs_command'
complete -c urun -n $g -l root -r -a '(__fish_complete_directories)' -d 'State root directory'
complete -c urun -n $g -l log -r -F -d 'Write log and error messages to file'
complete -c urun -n $g -l log-format -x -a 'text json' -d 'Log message format'
complete -c urun -n $g -l log-level -x -a 'debug info warning error' -d 'Log level'
complete -c urun -n $g -l debug -d 'Log debug messages'
complete -c urun -n $g -l systemd-cgroup -d 'Use the systemd cgroup manager'
complete -c urun -n $g -l cgroup-manager -x -a 'cgroupfs systemd disabled' -d 'The cgroup manager'
complete -c urun -n $g -l rootless -x -a 'true false auto' -d 'Rootless mode (runc compatibility)'
complete -c urun -n $g -l userns-keeper -x -a 'on off' -d 'Keep a user namespace with the subordinate ids'
complete -c urun -n $g -l userns-keeper-idle -x -d 'Seconds an unused keeper stays'
complete -c urun -n $g -s v -l version -d 'Print the version'
complete -c urun -n $g -s h -l help -d 'Print help'

# Commands
complete -c urun -n $g -a spec -d 'Write a default config.json into a bundle'
complete -c urun -n $g -a create -d 'Create a container'
complete -c urun -n $g -a start -d 'Run the user process of a created container'
complete -c urun -n $g -a run -d 'Create and start a container'
complete -c urun -n $g -a state -d 'Print the state of a container as JSON'
complete -c urun -n $g -a kill -d 'Send a signal to a container'
complete -c urun -n $g -a delete -d 'Delete a container'
complete -c urun -n $g -a list -d 'List containers'
complete -c urun -n $g -a exec -d 'Run a process inside a running container'
complete -c urun -n $g -a ps -d 'List the processes of a container'
complete -c urun -n $g -a features -d 'Print what this urun implements (JSON)'
complete -c urun -n $g -a pause -d 'Suspend the processes of a container'
complete -c urun -n $g -a resume -d 'Resume the processes of a paused container'
complete -c urun -n $g -a update -d 'Change the cgroup limits of a container'
complete -c urun -n $g -a events -d 'Print cgroup statistics and OOM events of a container (JSON)'
complete -c urun -n $g -a checkpoint -d 'Checkpoint a running container with CRIU'
complete -c urun -n $g -a restore -d 'Restore a container from a CRIU checkpoint'

# spec
complete -c urun -n '__urun_using_command spec' -s b -l bundle -r -a '(__fish_complete_directories)' -d 'Bundle directory'
complete -c urun -n '__urun_using_command spec' -l rootless -d 'Configuration for an unprivileged user'
complete -c urun -n '__urun_using_command spec' -l seccomp-default -d 'Add the default seccomp profile'

# create, run
set -l cr '__urun_using_command create run'
complete -c urun -n $cr -s b -l bundle -r -a '(__fish_complete_directories)' -d 'Bundle directory'
complete -c urun -n $cr -s f -l config -r -F -d 'Config file instead of BUNDLE/config.json'
complete -c urun -n $cr -l pid-file -r -F -d 'Write the container process id to file'
complete -c urun -n $cr -l console-socket -r -F -d 'AF_UNIX socket receiving the pseudo-terminal'
complete -c urun -n $cr -l notify-socket -r -F -d 'sd_notify socket READY=1 is passed on to'
complete -c urun -n $cr -l preserve-fds -x -d 'Pass N additional file descriptors'
complete -c urun -n $cr -l no-pivot -d 'Do not use pivot_root'
complete -c urun -n $cr -l no-new-keyring -d 'Do not create a new session keyring'
complete -c urun -n $cr -l network -x -a 'slirp slirp:allow-host-loopback none' -d 'User-mode networking'
complete -c urun -n $cr -s p -l publish -x -d 'Publish a port: [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]'
complete -c urun -n '__urun_using_command run' -s d -l detach -d 'Do not wait for the container'

# checkpoint, restore
set -l cp '__urun_using_command checkpoint restore'
complete -c urun -n $cp -l image-path -r -a '(__fish_complete_directories)' -d 'CRIU image directory'
complete -c urun -n $cp -l work-path -r -a '(__fish_complete_directories)' -d 'CRIU work directory and logs'
complete -c urun -n $cp -l tcp-established -d 'Established TCP connections'
complete -c urun -n $cp -l file-locks -d 'File locks'
complete -c urun -n $cp -l ext-unix-sk -d 'External UNIX sockets'
complete -c urun -n $cp -l shell-job -d 'A shell job'
complete -c urun -n '__urun_using_command checkpoint' -s R -l leave-running -d 'Leave the container running'
complete -c urun -n '__urun_using_command checkpoint; and __urun_npos_is 0' -a '(__urun_containers)' -d Container
complete -c urun -n '__urun_using_command restore' -s b -l bundle -r -a '(__fish_complete_directories)' -d 'Bundle directory'
complete -c urun -n '__urun_using_command restore' -s d -l detach -d 'Return once the container runs'
complete -c urun -n '__urun_using_command restore' -l pid-file -r -F -d 'Write the restored init pid to file'

# start, state, delete, ps: container id
complete -c urun -n '__urun_using_command start state delete ps pause resume update events; and __urun_npos_is 0' -a '(__urun_containers)' -d Container

# update
set -l up '__urun_using_command update'
complete -c urun -n $up -s r -l resources -r -F -d 'linux.resources JSON file (- for stdin)'
complete -c urun -n $up -l memory -x -d 'Memory limit'
complete -c urun -n $up -l memory-reservation -x -d 'Soft memory limit'
complete -c urun -n $up -l memory-swap -x -d 'Memory+swap limit'
complete -c urun -n $up -l kernel-memory -x -d 'Ignored (runc compatibility)'
complete -c urun -n $up -l kernel-memory-tcp -x -d 'Ignored (runc compatibility)'
complete -c urun -n $up -l cpu-share -x -d 'CPU shares'
complete -c urun -n $up -l cpu-shares -x -d 'CPU shares'
complete -c urun -n $up -l cpu-quota -x -d 'CFS quota in microseconds'
complete -c urun -n $up -l cpu-period -x -d 'CFS period in microseconds'
complete -c urun -n $up -l cpuset-cpus -x -d 'CPUs to use'
complete -c urun -n $up -l cpuset-mems -x -d 'Memory nodes to use'
complete -c urun -n $up -l pids-limit -x -d 'Maximum number of tasks'
complete -c urun -n $up -l blkio-weight -x -d 'Block I/O weight (10-1000)'

# events
complete -c urun -n '__urun_using_command events' -l stats -d 'Print one stats line and exit'
complete -c urun -n '__urun_using_command events' -l interval -x -d 'Time between stats lines'

# kill
complete -c urun -n '__urun_using_command kill' -s a -l all -d 'Signal every process of the container'
complete -c urun -n '__urun_using_command kill; and __urun_npos_is 0' -a '(__urun_containers)' -d Container
complete -c urun -n '__urun_using_command kill; and __urun_npos_is 1' -a '(__urun_signals)' -d Signal

# delete
complete -c urun -n '__urun_using_command delete' -s f -l force -d 'Kill a running container first'

# list, ps
complete -c urun -n '__urun_using_command list ps' -s f -l format -x -a 'table json' -d 'Output format'
complete -c urun -n '__urun_using_command list' -s q -l quiet -d 'Print container ids only'

# exec
set -l e '__urun_using_command exec; and not __urun_exec_command'
complete -c urun -n $e -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c urun -n $e -s d -l detach -d 'Do not wait for the process'
complete -c urun -n $e -s p -l process -r -F -d 'Process JSON file'
complete -c urun -n $e -s e -l env -x -d 'Set an environment variable (KEY=VALUE)'
complete -c urun -n $e -l cwd -x -d 'Working directory in the container'
complete -c urun -n $e -s u -l user -x -d 'User and group ids (UID[:GID])'
complete -c urun -n $e -l additional-gids -x -d 'Additional group id'
complete -c urun -n $e -s c -l cap -x -a '(__urun_caps)' -d 'Add a capability'
complete -c urun -n $e -l no-new-privs -d 'Set the no_new_privs flag'
complete -c urun -n $e -l preserve-fds -x -d 'Pass N additional file descriptors'
complete -c urun -n $e -l pid-file -r -F -d 'Write the process id to file'
complete -c urun -n $e -l console-socket -r -F -d 'AF_UNIX socket receiving the pseudo-terminal'
complete -c urun -n '__urun_using_command exec; and __urun_npos_is 0' -a '(__urun_containers)' -d Container
complete -c urun -n '__urun_exec_command' -x -a '(__urun_exec_subcommand)'
