#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generate configure and Makefile.in from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf -fi
