#!/usr/bin/env python3
"""A tool that keeps its state the naive way: read the whole file, change it, write it back,
with no lock. Many agents calling it at once lose each other's writes, as real tools do.

  faketool.py set KEY VALUE    config: $FAKETOOL_CONFIG, else $HOME/.faketool/config.json
  faketool.py refresh          credentials: $FAKETOOL_CREDENTIALS, else
                               $HOME/.faketool/credentials.json; counts refreshes the way a
                               rotating refresh token would be rotated
"""
import json
import os
import sys
import time


def path(variable, name):
    return os.environ.get(variable) or os.path.join(os.environ["HOME"], ".faketool", name)


def read(file):
    try:
        with open(file) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def write(file, data):
    os.makedirs(os.path.dirname(file), exist_ok=True)
    with open(file, "w") as handle:
        json.dump(data, handle)


def main():
    if sys.argv[1] == "set":
        file = path("FAKETOOL_CONFIG", "config.json")
        data = read(file)
        time.sleep(0.003)  # the window in which another call's write is lost
        data[sys.argv[2]] = sys.argv[3]
        write(file, data)
    elif sys.argv[1] == "refresh":
        file = path("FAKETOOL_CREDENTIALS", "credentials.json")
        data = read(file)
        time.sleep(0.003)
        data["generation"] = data.get("generation", 0) + 1
        write(file, data)
    else:
        sys.exit("unknown command")


main()
