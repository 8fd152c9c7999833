// TreeTrace drives Apache ZooKeeper's DataTree through the txn scenario of
// trace_test.go and prints the same trace the Go test prints. Regenerate
// testdata/trace.golden with:
//
//   java -Dfile.encoding=UTF-8 -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:\
//   /usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar \
//   testdata/TreeTrace.java > testdata/trace.golden
//
// The scenario also writes the final tree as ZooKeeper serializes it into
// testdata/java_snapshot.bin (ACL cache, nodes, "/" end marker, ZxidDigest),
// which snapshot_test.go loads. With the argument "load FILE" the program
// instead deserializes a snapshot body written by the Go tree and prints its
// summary (testdata/go_snapshot.java.golden is that output for
// testdata/go_snapshot.bin).
//
// (Apache ZooKeeper 3.8.0's jar: DataTree.processTxn, DataNode.copyStat and
// DigestCalculator are the same as in 3.9.4 for everything the scenario does.)
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import org.apache.jute.BinaryInputArchive;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.data.*;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.DataTree.ProcessTxnResult;
import org.apache.zookeeper.txn.*;

public class TreeTrace {
    static DataTree dt;
    static long time = 1700000000000L;

    static List<ACL> open() { return new ArrayList<>(List.of(new ACL(31, new Id("world", "anyone")))); }
    static List<ACL> read() { return new ArrayList<>(List.of(new ACL(1, new Id("world", "anyone")))); }
    static List<ACL> digest() { return new ArrayList<>(List.of(new ACL(31, new Id("digest", "bob:x1y2z3")), new ACL(1, new Id("world", "anyone")))); }
    static byte[] b(String s) { return s == null ? null : s.getBytes(StandardCharsets.UTF_8); }

    static String stat(Stat s) {
        if (s == null) return "-";
        return s.getCzxid() + "," + s.getMzxid() + "," + s.getCtime() + "," + s.getMtime() + "," + s.getVersion() + ","
            + s.getCversion() + "," + s.getAversion() + "," + s.getEphemeralOwner() + "," + s.getDataLength() + ","
            + s.getNumChildren() + "," + s.getPzxid();
    }

    static byte[] ser(Record r) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        r.serialize(BinaryOutputArchive.getArchive(bos), "txn");
        return bos.toByteArray();
    }

    static void apply(String label, long session, long zxid, int type, Record txn) {
        time += 1000;
        TxnHeader h = new TxnHeader(session, 7, zxid, time, type);
        ProcessTxnResult rc = dt.processTxn(h, txn);
        System.out.println(label + " err=" + rc.err + " path=" + (rc.path == null ? "" : rc.path) + " stat=" + stat(rc.stat)
            + " digest=" + dt.getTreeDigest());
        if (rc.multiResult != null) {
            int i = 0;
            for (ProcessTxnResult s : rc.multiResult) {
                // OpResult types as FinalRequestProcessor maps them.
                int t = s.type;
                String path = "", st = "-";
                int err = 0;
                switch (s.type) {
                case OpCode.create: path = s.path; break;
                case OpCode.create2: case OpCode.createTTL: case OpCode.createContainer:
                    t = OpCode.create2; path = s.path; st = stat(s.stat); break;
                case OpCode.delete: case OpCode.deleteContainer: t = OpCode.delete; break;
                case OpCode.setData: st = stat(s.stat); break;
                case OpCode.check: break;
                default: t = OpCode.error; err = s.err;
                }
                System.out.println("  sub " + i++ + " type=" + t + " err=" + err + " path=" + path + " stat=" + st);
            }
        }
    }

    static void dump(String path) throws Exception {
        Stat s = new Stat();
        byte[] data = dt.getData(path, s, null);
        List<ACL> acl = dt.getACL(path, null);
        StringBuilder a = new StringBuilder();
        for (ACL x : acl) a.append(x.getPerms()).append(':').append(x.getId().getScheme()).append(':').append(x.getId().getId()).append(' ');
        System.out.println("node " + path + " data=" + (data == null ? "<null>" : new String(data, StandardCharsets.UTF_8))
            + " stat=" + stat(s) + " acl=" + a.toString().trim());
        List<String> kids = dt.getChildren(path, null, null);
        Collections.sort(kids);
        for (String k : kids) dump(path.equals("/") ? "/" + k : path + "/" + k);
    }

    static void summary(String label) throws Exception {
        System.out.println(label + " nodes=" + dt.getNodeCount() + " size=" + dt.cachedApproximateDataSize()
            + " ephemerals=" + dt.getEphemeralsCount() + " all=" + dt.getAllChildrenNumber("/") + " digest=" + dt.getTreeDigest());
        dump("/");
    }

    static Txn sub(int type, Record r) throws Exception { return new Txn(type, ser(r)); }

    public static void main(String[] args) throws Exception {
        System.setProperty("zookeeper.extendedTypesEnabled", "true");
        if (args.length == 2 && args[0].equals("load")) {
            dt = new DataTree();
            try (FileInputStream in = new FileInputStream(args[1])) {
                BinaryInputArchive ia = BinaryInputArchive.getArchive(in);
                dt.deserialize(ia, "tree");
                dt.deserializeZxidDigest(ia, 0);
            }
            DataTree.ZxidDigest zd = dt.getDigestFromLoadedSnapshot();
            System.out.println("snapshot digest zxid=" + (zd == null ? 0 : zd.getZxid()) + " digest=" + (zd == null ? 0 : zd.getDigest()));
            summary("loaded");
            return;
        }
        Method calc = Class.forName("org.apache.zookeeper.server.DigestCalculator")
            .getDeclaredMethod("calculateDigest", String.class, byte[].class, StatPersisted.class);
        calc.setAccessible(true);
        Object dc = Class.forName("org.apache.zookeeper.server.DigestCalculator").getDeclaredConstructor().newInstance();
        StatPersisted sp = new StatPersisted(0x100000001L, 0x100000002L, 1700000001000L, 1700000002000L, 3, 4, 5, 0x1234L, 0x100000003L);
        System.out.println("digestOf /a hello = " + calc.invoke(dc, "/a", b("hello"), sp));
        System.out.println("digestOf /a null = " + calc.invoke(dc, "/a", null, sp));
        System.out.println("digestOf / empty = " + calc.invoke(dc, "/", new byte[0], new StatPersisted()));
        System.out.println("digestOf /zookeeper/quota = " + calc.invoke(dc, "/zookeeper/quota", new byte[0], new StatPersisted()));
        System.out.println("digestOf /\u00e9t\u00e9 = " + calc.invoke(dc, "/\u00e9t\u00e9", b("\u00e9"), sp));

        dt = new DataTree();
        summary("fresh");
        long s1 = 0x1234L, s2 = 0x5678L;
        apply("create /a", s1, 0x100000001L, OpCode.create, new CreateTxn("/a", b("hello"), open(), false, -1));
        apply("create2 /a/b eph", s1, 0x100000002L, OpCode.create2, new CreateTxn("/a/b", b("x"), read(), true, -1));
        apply("container /c", s1, 0x100000003L, OpCode.createContainer, new CreateContainerTxn("/c", null, open(), -1));
        apply("ttl /t", s1, 0x100000004L, OpCode.createTTL, new CreateTTLTxn("/t", b("ttl"), open(), -1, 5000));
        apply("setData /a", s1, 0x100000005L, OpCode.setData, new SetDataTxn("/a", b("world!"), 1));
        apply("setACL /a", s1, 0x100000006L, OpCode.setACL, new SetACLTxn("/a", digest(), 1));
        apply("create seq", s1, 0x100000007L, OpCode.create, new CreateTxn("/a/s0000000002", b(""), open(), false, 3));
        apply("delete /a/b", s1, 0x100000008L, OpCode.delete, new DeleteTxn("/a/b"));
        apply("create /a/b again", s2, 0x100000009L, OpCode.create, new CreateTxn("/a/b", b("y"), open(), false, -1));
        apply("create /a/b exists", s2, 0x10000000aL, OpCode.create, new CreateTxn("/a/b", b("z"), open(), false, 9));
        apply("create2 /a/b exists", s2, 0x10000000bL, OpCode.create2, new CreateTxn("/a/b", b("z"), open(), false, 12));
        apply("create no parent", s2, 0x10000000cL, OpCode.create, new CreateTxn("/nope/x", b("z"), open(), false, -1));
        apply("delete missing", s2, 0x10000000dL, OpCode.delete, new DeleteTxn("/a/missing"));
        apply("setData missing", s2, 0x10000000eL, OpCode.setData, new SetDataTxn("/missing", b("q"), 1));
        apply("eph /e1", s1, 0x10000000fL, OpCode.create, new CreateTxn("/e1", b("1"), open(), true, -1));
        apply("eph /e2", s1, 0x100000010L, OpCode.create, new CreateTxn("/e2", b("22"), open(), true, -1));
        apply("eph /c/e3", s2, 0x100000011L, OpCode.create, new CreateTxn("/c/e3", b("333"), open(), true, -1));
        apply("multi ok", s2, 0x100000012L, OpCode.multi, new MultiTxn(List.of(
            sub(OpCode.create, new CreateTxn("/m", b("m"), open(), false, -1)),
            sub(OpCode.createContainer, new CreateContainerTxn("/m/c", b("mc"), open(), -1)),
            sub(OpCode.setData, new SetDataTxn("/m", b("mm"), 1)),
            sub(OpCode.check, new CheckVersionTxn("/m", 1)),
            sub(OpCode.delete, new DeleteTxn("/a/s0000000002")))));
        apply("multi failed", s2, 0x100000013L, OpCode.multi, new MultiTxn(List.of(
            sub(OpCode.create, new CreateTxn("/y", b("y"), open(), false, -1)),
            sub(OpCode.setData, new SetDataTxn("/a", b("no"), 2)),
            sub(OpCode.error, new ErrorTxn(-101)),
            sub(OpCode.setData, new SetDataTxn("/a", b("no"), 2)),
            sub(OpCode.error, new ErrorTxn(-2)))));
        apply("multi replay", s2, 0x100000014L, OpCode.multi, new MultiTxn(List.of(
            sub(OpCode.create, new CreateTxn("/m", b("m"), open(), false, 5)),
            sub(OpCode.setData, new SetDataTxn("/m", b("m3"), 2)),
            sub(OpCode.delete, new DeleteTxn("/gone")))));
        apply("error txn", s2, 0x100000015L, OpCode.error, new ErrorTxn(-110));
        apply("closeSession s1", s1, 0x100000016L, OpCode.closeSession, new CloseSessionTxn(List.of("/e1", "/nothere")));
        apply("closeSession s2 old", s2, 0x100000017L, OpCode.closeSession, null);
        apply("delete container", 0, 0x100000018L, OpCode.deleteContainer, new DeleteTxn("/c"));
        apply("setData root", s2, 0x100000019L, OpCode.setData, new SetDataTxn("/", b("root"), 1));
        apply("create under root", s2, 0x10000001aL, OpCode.create, new CreateTxn("/r", null, null, false, -1));
        apply("createSession", s2, 0x10000001bL, OpCode.createSession, new CreateSessionTxn(30000));
        apply("create /q", s2, 0x200000001L, OpCode.create, new CreateTxn("/q", b("12345"), open(), false, -1));
        apply("create /q/a", s2, 0x200000002L, OpCode.create, new CreateTxn("/q/a", b("abc"), open(), false, -1));
        apply("quota /zq/q", s2, 0x200000003L, OpCode.create, new CreateTxn("/zookeeper/quota/q", null, open(), false, -1));
        apply("quota limits", s2, 0x200000004L, OpCode.create, new CreateTxn("/zookeeper/quota/q/zookeeper_limits", b("count=10,bytes=100"), open(), false, -1));
        apply("quota stats", s2, 0x200000005L, OpCode.create, new CreateTxn("/zookeeper/quota/q/zookeeper_stats", b("count=0,bytes=0"), open(), false, -1));
        apply("create /q/b", s2, 0x200000006L, OpCode.create, new CreateTxn("/q/b", b("xx"), open(), false, -1));
        apply("setData /q/a", s2, 0x200000007L, OpCode.setData, new SetDataTxn("/q/a", b("1"), 1));
        apply("delete /q/b", s2, 0x200000008L, OpCode.delete, new DeleteTxn("/q/b"));
        apply("create /q/a/deep", s2, 0x200000009L, OpCode.create, new CreateTxn("/q/a/deep", b("dddd"), open(), false, -1));
        summary("final");
        try (FileOutputStream out = new FileOutputStream("testdata/java_snapshot.bin")) {
            BinaryOutputArchive oa = BinaryOutputArchive.getArchive(out);
            dt.serialize(oa, "tree");
            dt.serializeZxidDigest(oa);
        }
    }
}
