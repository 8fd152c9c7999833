"""confluent-kafka-python (librdkafka) driven by kafkainterop's tests.

Usage: /usr/bin/python3 confluent_client.py BOOTSTRAP COMMAND JSON-ARGUMENT

Prints one JSON document on stdout. Records travel in the tests' shape:
{"partition", "offset", "key", "value", "headers": [[k, v], ...],
"timestamp"} (ms since the epoch). Errors of admin operations are reported
as librdkafka error names ("TOPIC_ALREADY_EXISTS"), null on success.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

TIMEOUT = 30


def outcome(future):
    try:
        future.result()
        return None
    except KafkaException as e:
        return e.args[0].name()


def admin(bs):
    # Callers keep the client in a local variable until their futures are
    # done: a client that is garbage-collected fails them with _DESTROY.
    return AdminClient({"bootstrap.servers": bs})


def create_topics(bs, arg):
    new = [NewTopic(t["name"], num_partitions=t["partitions"], replication_factor=1,
                    config=t.get("config", {})) for t in arg["topics"]]
    a = admin(bs)
    fs = a.create_topics(new, operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    return {name: outcome(f) for name, f in fs.items()}


def delete_topics(bs, arg):
    a = admin(bs)
    fs = a.delete_topics(arg["topics"], operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    return {name: outcome(f) for name, f in fs.items()}


def describe_configs(bs, arg):
    a = admin(bs)
    fs = a.describe_configs([ConfigResource("topic", arg["topic"])], request_timeout=TIMEOUT)
    (f,) = fs.values()
    return {name: {"value": e.value, "source": int(e.source), "is_default": e.is_default,
                   "read_only": e.is_read_only, "sensitive": e.is_sensitive}
            for name, e in f.result().items()}


def alter_configs(bs, arg):
    res = ConfigResource("topic", arg["topic"], set_config=arg["set"])
    a = admin(bs)
    fs = a.alter_configs([res], request_timeout=TIMEOUT)
    (f,) = fs.values()
    return outcome(f)


def list_topics(bs, arg):
    a = admin(bs)
    md = a.list_topics(timeout=TIMEOUT)
    return {
        "brokers": {str(b.id): "%s:%d" % (b.host, b.port) for b in md.brokers.values()},
        "controller": md.controller_id,
        "topics": {name: {str(p.id): {"leader": p.leader, "replicas": p.replicas, "isrs": p.isrs}
                          for p in t.partitions.values()}
                   for name, t in md.topics.items()},
    }


def produce(bs, arg):
    conf = {"bootstrap.servers": bs, "linger.ms": 5}
    if arg.get("idempotent"):
        conf["enable.idempotence"] = True  # implies acks=all, max.in.flight<=5, retries
    p = Producer(conf)
    reports = []

    def delivered(err, m):
        reports.append({"error": err.name() if err else None, "partition": m.partition(),
                        "offset": m.offset(), "key": m.key().decode(),
                        "timestamp": m.timestamp()[1]})

    for m in arg["messages"]:
        p.produce(arg["topic"], key=m["key"].encode(), value=m["value"].encode(),
                  partition=m["partition"], timestamp=m["timestamp"],
                  headers=[(k, v.encode()) for k, v in m["headers"]], on_delivery=delivered)
    left = p.flush(TIMEOUT)
    return {"undelivered": left, "reports": reports}


def consume(bs, arg):
    # librdkafka's Consumer demands a group.id; assign() with no commits
    # never joins the group.
    c = Consumer({"bootstrap.servers": bs, "group.id": "kafkainterop-unused",
                  "enable.auto.commit": False, "enable.auto.offset.store": False})
    c.assign([TopicPartition(arg["topic"], arg["partition"], arg["offset"])])
    out, deadline = [], time.time() + TIMEOUT
    while len(out) < arg["count"] and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            raise KafkaException(m.error())
        out.append({"partition": m.partition(), "offset": m.offset(),
                    "key": m.key().decode() if m.key() is not None else "",
                    "value": m.value().decode() if m.value() is not None else "",
                    "headers": [[k, v.decode() if v is not None else ""] for k, v in (m.headers() or [])],
                    "timestamp": m.timestamp()[1]})
    c.close()
    return out


COMMANDS = {f.__name__: f for f in (create_topics, delete_topics, describe_configs,
                                    alter_configs, list_topics, produce, consume)}

if __name__ == "__main__":
    bootstrap, command, argument = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    json.dump(COMMANDS[command](bootstrap, argument), sys.stdout)
