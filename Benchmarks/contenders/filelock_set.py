#!/usr/bin/env python3
"""A careful Python writer: filelock (5 s timeout) around a JSON read-modify-write that lands
by temp file, fsync and rename. Exit 0 written, 6 lock timeout.  Usage: PATH KEY VALUE"""
import json
import os
import sys

from filelock import FileLock, Timeout

path, key, value = sys.argv[1:4]
try:
    with FileLock(path + ".lock", timeout=5):
        try:
            with open(path) as handle:
                data = json.load(handle)
        except FileNotFoundError:
            data = {}
        data[key] = value
        temporary = path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, path)
        directory = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        os.fsync(directory)
        os.close(directory)
except Timeout:
    sys.exit(6)
