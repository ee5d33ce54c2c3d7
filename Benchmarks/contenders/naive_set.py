#!/usr/bin/env python3
"""What many tools do: read the JSON file, change it, write it back in place, no lock.
Usage: PATH KEY VALUE"""
import json
import sys

path, key, value = sys.argv[1:4]
try:
    with open(path) as handle:
        data = json.load(handle)
except (FileNotFoundError, json.JSONDecodeError):
    data = {}  # a half-written file reads as empty: its contents are lost
data[key] = value
with open(path, "w") as handle:
    json.dump(data, handle)
