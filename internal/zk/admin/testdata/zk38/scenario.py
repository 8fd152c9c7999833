import os, time, sys
from kazoo.client import KazooClient
hosts = "127.0.0.1:51823"
a = KazooClient(hosts=hosts, timeout=30); a.start()
b = KazooClient(hosts=hosts, timeout=10); b.start()
a.create("/app", b"hello")
a.create("/app/cfg", b"x"*100)
a.create("/app/lock", b"", ephemeral=True)
b.create("/app/eph-b", b"b", ephemeral=True)
b.create("/app/seq-", b"", ephemeral=True, sequence=True)
a.get("/app", watch=lambda e: None)
a.get_children("/app", watch=lambda e: None)
b.get("/app/cfg", watch=lambda e: None)
b.exists("/app/missing", watch=lambda e: None)
a.get("/app/cfg", watch=lambda e: None)
with open("/tmp/zk38/sessions","w") as f:
    f.write("%x %x\n" % (a.client_id[0], b.client_id[0]))
while not os.path.exists("/tmp/zk38/stop"):
    time.sleep(0.2)
a.stop(); b.stop()
