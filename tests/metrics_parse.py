"""Reads a Prometheus text page with prometheus_client's own parser (the test venv's)
and prints JSON: every sample as {"name", "labels", "value"}, for tests/it/metrics.rs.

usage: metrics_parse.py FILE
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
with open(sys.argv[1], encoding="utf-8") as f:
    for family in text_string_to_metric_families(f.read()):
        for s in family.samples:
            samples.append({"name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(samples))
