"""kafka-python driven by kafkainterop's tests.

Usage: /usr/bin/python3 kafka_python_client.py BOOTSTRAP COMMAND JSON-ARGUMENT

Prints one JSON document on stdout, records in the tests' shape (see
confluent_client.py). kafka-python finds the protocol versions to use by
probing the broker (it settles on 2.5 with a 2.8 broker).
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError

TIMEOUT_MS = 30000


# The admin calls answer {topic: Kafka error code}. kafka-python raises on
# the first error in a response, so with one topic per request (as the
# tests send) the code of the exception is that topic's.
def create_topics(bs, arg):
    names = [t["name"] for t in arg["topics"]]
    a = KafkaAdminClient(bootstrap_servers=bs, request_timeout_ms=TIMEOUT_MS)
    try:
        resp = a.create_topics([NewTopic(t["name"], t["partitions"], 1, topic_configs=t.get("config", {}))
                                for t in arg["topics"]], timeout_ms=TIMEOUT_MS)
        return {name: code for name, code, *_ in resp.topic_errors}
    except KafkaError as e:
        return {name: e.errno for name in names}
    finally:
        a.close()


def delete_topics(bs, arg):
    a = KafkaAdminClient(bootstrap_servers=bs, request_timeout_ms=TIMEOUT_MS)
    try:
        resp = a.delete_topics(arg["topics"], timeout_ms=TIMEOUT_MS)
        return {name: code for name, code in resp.topic_error_codes}
    except KafkaError as e:
        return {name: e.errno for name in arg["topics"]}
    finally:
        a.close()


def produce(bs, arg):
    p = KafkaProducer(bootstrap_servers=bs, acks="all", linger_ms=5,
                      compression_type=arg.get("compression"))
    futures = [(m, p.send(arg["topic"], key=m["key"].encode(), value=m["value"].encode(),
                          partition=m["partition"], timestamp_ms=m["timestamp"],
                          headers=[(k, v.encode()) for k, v in m["headers"]]))
               for m in arg["messages"]]
    p.flush()
    reports = []
    for m, f in futures:
        md = f.get(timeout=TIMEOUT_MS / 1000)
        reports.append({"error": None, "partition": md.partition, "offset": md.offset,
                        "key": m["key"], "timestamp": md.timestamp})
    p.close()
    return {"api_version": list(p.config["api_version"]), "reports": reports}


def consume(bs, arg):
    c = KafkaConsumer(bootstrap_servers=bs, enable_auto_commit=False, group_id=None,
                      consumer_timeout_ms=TIMEOUT_MS)
    tp = TopicPartition(arg["topic"], arg["partition"])
    c.assign([tp])
    c.seek(tp, arg["offset"])
    out = []
    for m in c:
        out.append({"partition": m.partition, "offset": m.offset,
                    "key": m.key.decode() if m.key is not None else "",
                    "value": m.value.decode() if m.value is not None else "",
                    "headers": [[k, v.decode()] for k, v in m.headers],
                    "timestamp": m.timestamp})
        if len(out) == arg["count"]:
            break
    c.close()
    return out


COMMANDS = {f.__name__: f for f in (create_topics, delete_topics, produce, consume)}

if __name__ == "__main__":
    bootstrap, command, argument = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    json.dump(COMMANDS[command](bootstrap, argument), sys.stdout)
