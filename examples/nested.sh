#!/usr/bin/env bash
## A demo in shell syntax, run by tour.md as: $SHELL examples/nested.sh NAME
## Like any demo it starts hidden; #@SHOW makes the rest visible.
#@SHOW

# This one is a shell script: lines starting with # are commentary,
# other lines are commands. Its arguments are $1, $2, ...
echo "Hello from nested.sh, ${1}!"
