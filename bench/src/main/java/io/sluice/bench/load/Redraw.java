package io.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws a run's {@code chart.png} again from its {@code summary.csv} (the chart shows medians only), after a change to
 * how charts are drawn: {@code java -cp bench/target/sluice-bench.jar io.sluice.bench.load.Redraw <results dir> [title]}.
 */
public final class Redraw {
    private Redraw() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: Redraw <results dir> [title]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        List<String> lines = Files.readAllLines(dir.resolve("summary.csv"));
        ResultTable table = new ResultTable();
        // scenario, metric, unit, then <target>_median/_min/_max/_n per target; older runs have fewer targets.
        List<String> header = fields(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = fields(line);
            for (Target t : Target.values()) {
                int at = header.indexOf(t.label + "_median");
                if (at >= 0 && !f.get(at).isEmpty()) {
                    table.add(f.get(0), f.get(1), f.get(2), t, Double.parseDouble(f.get(at)));
                }
            }
        }
        Charts.write(table, args.length > 1 ? args[1] : "3 round(s) x 10 s", dir.resolve("chart.png"));
        System.out.println("redrew " + dir.resolve("chart.png"));
    }

    /** One CSV line as ResultTable writes it: fields with a comma or a quote are quoted, quotes doubled. */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
