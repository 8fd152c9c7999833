// Oracle runs each input of corpus.txt through the JDK calls Kafka 3.9's
// readers make (BufferedReader.readLine, String.split, Integer.parseInt,
// Base64, Properties.load, Jackson), following the reading logic of
// CheckpointFile, OffsetCheckpointFile, LeaderEpochCheckpointFile,
// PartitionMetadataReadBuffer, Uuid.fromString, MetaProperties.Builder and
// CleanShutdownFileHandler, and prints one result line per input:
//   OK <value>   or   ERR <exception class> <message>
// oracle_test.go compares the Go readers with it. Regenerate with
//   go test -run TestOracle -oracle.corpus      (rewrites corpus.txt)
//   sh regen.sh                                 (rewrites expected.txt)
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.Pattern;

public class Oracle {
    static final Pattern WS = Pattern.compile("\\s+");
    static final Pattern COLON_WS = Pattern.compile(":\\s+");
    static final ObjectMapper MAPPER = new ObjectMapper();

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Content {
        public int version;
        public Long brokerEpoch;
    }

    interface Parser { String parse(String line); } // null = malformed

    static BufferedReader reader(byte[] b) {
        return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(b),
            StandardCharsets.UTF_8.newDecoder()));
    }

    static IOException malformed(String line) {
        return new IOException(String.format("Malformed line in checkpoint file [%s]: %s", "LOC", line));
    }

    static int toInt(String line) throws IOException {
        try { return Integer.parseInt(line); } catch (NumberFormatException e) { throw malformed(line); }
    }

    static String checkpoint(byte[] b, Parser p) throws IOException {
        BufferedReader r = reader(b);
        String line = r.readLine();
        if (line == null) return "";
        int v = toInt(line);
        if (v != 0)
            throw new IOException("Unrecognised version:" + v + ", expected version: 0 in checkpoint file at: LOC");
        line = r.readLine();
        if (line == null) return "";
        int expected = toInt(line);
        List<String> entries = new ArrayList<>();
        for (line = r.readLine(); line != null; line = r.readLine()) {
            String e = p.parse(line);
            if (e == null) throw malformed(line);
            entries.add(e);
        }
        if (entries.size() != expected)
            throw new IOException("Expected [" + expected + "] entries in checkpoint file [LOC], but found only [" + entries.size() + "]");
        return String.join(";", entries);
    }

    static String offsetEntry(String line) {
        String[] f = WS.split(line);
        if (f.length != 3) return null;
        return hex(f[0]) + "/" + Integer.parseInt(f[1]) + "/" + Long.parseLong(f[2]);
    }

    static String epochEntry(String line) {
        String[] f = WS.split(line);
        if (f.length != 2) return null;
        return Integer.parseInt(f[0]) + "/" + Long.parseLong(f[1]);
    }

    static String uuid(String s) {
        if (s.length() > 24)
            throw new IllegalArgumentException("Input string with prefix `" + s.substring(0, 24) + "` is too long to be decoded as a base64 UUID");
        byte[] b = Base64.getUrlDecoder().decode(s);
        if (b.length != 16)
            throw new IllegalArgumentException("Input string `" + s + "` decoded as " + b.length + " bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID");
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String partitionMetadata(byte[] b) throws IOException {
        BufferedReader r = reader(b);
        String line = null;
        try {
            line = r.readLine();
            String[] v = COLON_WS.split(line);
            if (v.length != 2) throw malformed(line);
            int version = Integer.parseInt(v[1]);
            if (version < 0) throw new IOException("Unrecognized version of partition metadata file + (LOC): " + version);
            line = r.readLine();
            String[] t = COLON_WS.split(line);
            if (t.length != 2) throw malformed(line);
            String id = uuid(t[1]);
            if (id.equals("AAAAAAAAAAAAAAAAAAAAAA")) throw new IOException("Invalid topic ID in partition metadata file (LOC)");
            return version + " " + id;
        } catch (NumberFormatException e) {
            throw malformed(line);
        }
    }

    static int requiredInt(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) throw new RuntimeException("Failed to find " + key);
        try { return Integer.parseInt(v); } catch (NumberFormatException e) {
            throw new RuntimeException("Unable to read " + key + " as a base-10 number.", e);
        }
    }

    static String meta(byte[] b) throws IOException {
        Properties p = new Properties();
        p.load(new ByteArrayInputStream(b));
        String vs = p.getProperty("version", "0");
        int version;
        try { version = Integer.parseInt(vs.trim()); } catch (NumberFormatException e) {
            throw new RuntimeException("Invalid meta.properties version string '" + vs + "'");
        }
        if (version != 0 && version != 1) throw new RuntimeException("Unknown meta.properties version number " + version);
        StringBuilder out = new StringBuilder("MetaProperties(version=" + version);
        String cluster = p.getProperty("cluster.id");
        Integer node = null;
        if (version == 0) { if (p.containsKey("broker.id")) node = requiredInt(p, "broker.id"); }
        else node = requiredInt(p, "node.id");
        String dir = null;
        if (p.containsKey("directory.id")) {
            try { dir = uuid(p.getProperty("directory.id")); } catch (Exception e) {
                throw new RuntimeException("Unable to read directory.id as a Uuid: " + e.getMessage(), e);
            }
        }
        if (version == 1 && cluster == null) throw new RuntimeException("cluster.id was not found.");
        if (cluster != null) out.append(", clusterId=").append(hex(cluster));
        if (node != null) out.append(", nodeId=").append(node);
        if (dir != null) out.append(", directoryId=").append(dir);
        return out.append(")").toString();
    }

    static String clean(byte[] b) {
        try {
            Content c = MAPPER.readValue(new String(b, StandardCharsets.UTF_8), Content.class);
            return Long.toString(c.brokerEpoch);
        } catch (Exception e) {
            return "none";
        }
    }

    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) b.append(String.format("%02x", x));
        return b.toString();
    }

    static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    public static void main(String[] args) throws Exception {
        for (String l : Files.readAllLines(Paths.get(args[0]))) {
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] f = l.split(" ", -1);
            byte[] in = unhex(f[1]);
            String res;
            try {
                switch (f[0]) {
                    case "offsets": res = checkpoint(in, Oracle::offsetEntry); break;
                    case "epochs": res = checkpoint(in, Oracle::epochEntry); break;
                    case "partmeta": res = partitionMetadata(in); break;
                    case "uuid": res = uuid(new String(in, StandardCharsets.UTF_8)); break;
                    case "meta": res = meta(in); break;
                    case "clean": res = clean(in); break;
                    default: throw new IllegalStateException(f[0]);
                }
                res = "OK " + res;
            } catch (Exception e) {
                res = "ERR " + e.getClass().getSimpleName() + " " + String.valueOf(e.getMessage()).replace("\n", "\\n").replace("\r", "\\r");
            }
            System.out.println(res);
        }
    }
}
