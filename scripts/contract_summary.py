#!/usr/bin/env python3
"""Condenses one schemathesis run's output (its SUMMARY section) into one line of figures:
operations tested/selected, test cases generated, unique failures and errors.
Used by scripts/contract.sh; `contract_summary.py LOG`."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
summary = text.rsplit("SUMMARY", 1)[-1]


def number(pattern, default="?"):
    match = re.search(pattern, summary)
    return match.group(1) if match else default


selected = number(r"Selected:\s*(\d+)/\d+")
tested = number(r"Tested:\s*(\d+)")
errored = number(r"Errored:\s*(\d+)", "0")
generated = number(r"(\d+) generated", "0")
failures = number(r"found (\d+) unique failure", "0")
print(
    f"operations {tested:>3}/{selected:<3} cases {generated:>6}  "
    f"failures {failures:>3}  errors {errored:>2}"
)
