"""kafka-python's group consumer, driven by groupinterop's tests.

Usage: /usr/bin/python3 kafka_python_group.py BOOTSTRAP GROUP TOPIC COUNT

Joins GROUP, consumes COUNT records of TOPIC from the committed offsets
(the earliest when none), commits them synchronously, leaves the group
(close), and prints the values consumed as a JSON list.
"""
import json
import sys

from kafka import KafkaConsumer

bootstrap, group, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                  enable_auto_commit=False, consumer_timeout_ms=30000, session_timeout_ms=10000,
                  heartbeat_interval_ms=1000)
values = []
for m in c:
    values.append(m.value.decode())
    if len(values) == count:
        break
c.commit()
c.close()
json.dump(values, sys.stdout)
