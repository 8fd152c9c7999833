"""confluent-kafka-python's (librdkafka's) group consumer, driven by
groupinterop's tests.

Usage: /usr/bin/python3 confluent_group.py BOOTSTRAP GROUP TOPIC COUNT

Joins GROUP, consumes COUNT records of TOPIC from the committed offsets
(the earliest when none), commits them synchronously, leaves the group
(close), and prints the values consumed as a JSON list.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException

bootstrap, group, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": 10000})
c.subscribe([topic])
values = []
deadline = time.time() + 30
while len(values) < count and time.time() < deadline:
    m = c.poll(1.0)
    if m is None:
        continue
    if m.error():
        raise KafkaException(m.error())
    values.append(m.value().decode())
c.commit(asynchronous=False)
c.close()
json.dump(values, sys.stdout)
