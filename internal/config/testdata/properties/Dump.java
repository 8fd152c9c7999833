// Regenerates the *.golden files from java.util.Properties (the reference
// behaviour): for f in *.properties; do java Dump.java $f > ${f%.properties}.golden; done
// Output: one line per key, sorted, "key"="value" with every character outside
// printable ASCII (and the quote and backslash) written as backslash-u and four hex digits;
// or the single line ERROR when Properties.load refuses the file.
import java.io.*;
import java.util.*;

public class Dump {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            p.load(new InputStreamReader(in, "UTF-8"));
        } catch (IllegalArgumentException e) {
            System.out.println("ERROR");
            return;
        }
        for (String k : new TreeSet<>(p.stringPropertyNames())) {
            System.out.println(quote(k) + "=" + quote(p.getProperty(k)));
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        char[] cs = s.toCharArray();
        for (int i = 0; i < cs.length; i++) {
            char c = cs[i];
            // A lone surrogate cannot live in a Go string: it reads as U+FFFD.
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < cs.length && Character.isLowSurrogate(cs[i + 1])
                : Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(cs[i - 1]);
            if (Character.isSurrogate(c) && !paired) {
                c = '\ufffd';
            }
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
