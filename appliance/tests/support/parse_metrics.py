"""Parses Prometheus text format with Prometheus's own client library (PyPI prometheus-client).

Usage: parse_metrics.py FILE. Prints JSON: [[name, labels, value], ...]. Exit 1 on a parse error.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
samples = []
try:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.append([s.name, s.labels, s.value])
except Exception as error:  # the parser raises ValueError and friends
    print(f"not valid Prometheus text: {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(samples))
