// Prints hex encodings of jute records as Apache ZooKeeper serializes them.
// (3.8.0 ConnectRequest/Response have no readOnly field: it was hand-appended on the wire.)
// Run: java -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-simple.jar Golden.java
import java.io.*;
import java.util.*;
import org.apache.jute.*;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;
import org.apache.zookeeper.proto.*;
import org.apache.zookeeper.txn.*;

public class Golden {
    static String hex(org.apache.jute.Record r) throws IOException {
        ByteArrayOutputStream baos = new ByteArrayOutputStream();
        BinaryOutputArchive oa = BinaryOutputArchive.getArchive(baos);
        r.serialize(oa, "r");
        StringBuilder sb = new StringBuilder();
        for (byte b : baos.toByteArray()) sb.append(String.format("%02x", b));
        return sb.toString();
    }
    public static void main(String[] a) throws Exception {
        List<ACL> acl = new ArrayList<>(ZooDefs.Ids.OPEN_ACL_UNSAFE);
        acl.add(new ACL(ZooDefs.Perms.READ, new Id("digest", "u:h=")));
        System.out.println("connect " + hex(new ConnectRequest(0, 0x1234L, 30000, 0L, new byte[16])));
        System.out.println("connectResp " + hex(new ConnectResponse(0, 30000, 0x100000000000001L, new byte[16])));
        System.out.println("create " + hex(new CreateRequest("/a", "hi".getBytes(), acl, 3)));
        System.out.println("createTTL " + hex(new CreateTTLRequest("/t", null, acl, 5, 1000L)));
        System.out.println("stat " + hex(new Stat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
        System.out.println("getData " + hex(new GetDataRequest("/x", true)));
        System.out.println("setWatches2 " + hex(new SetWatches2(7L, Arrays.asList("/d"), Arrays.asList(), Arrays.asList("/c"), Arrays.asList("/p"), Arrays.asList("/r"))));
        System.out.println("reply " + hex(new ReplyHeader(-1, -1L, 0)));
        System.out.println("event " + hex(new WatcherEvent(3, 3, "/x")));
        System.out.println("txnHeader " + hex(new TxnHeader(0x55L, 9, 0x100000002L, 1700000000000L, 1)));
        System.out.println("createTxn " + hex(new CreateTxn("/a", "hi".getBytes(), acl, true, 4)));
        MultiOperationRecord m = new MultiOperationRecord(Arrays.asList(
            Op.create("/m", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
            Op.setData("/m", "x".getBytes(), -1), Op.check("/m", 0), Op.delete("/m", -1)));
        System.out.println("multi " + hex(m));
        MultiResponse mr = new MultiResponse();
        mr.add(new OpResult.CreateResult("/m"));
        mr.add(new OpResult.SetDataResult(new Stat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
        mr.add(new OpResult.CheckResult());
        mr.add(new OpResult.ErrorResult(-101));
        System.out.println("multiResp " + hex(mr));
        Txn t = new Txn(2, "abc".getBytes());
        System.out.println("multiTxn " + hex(new MultiTxn(Arrays.asList(t))));
        System.out.println("whoami " + hex(new WhoAmIResponse(Arrays.asList(new ClientInfo("ip", "127.0.0.1")))));
    }
}
