package io.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one table the harness prints: a row per (scenario, metric), a cell per target with the median and the range
 * of the rounds, and the ratios Sluice/direct, Sluice/HAProxy and Sluice-with-reads-on-the-source/HAProxy of the
 * medians. The Netty relay and Sluice with reads on the source have figures only where the harness runs them (a
 * dash elsewhere). Another build of Sluice ({@code --compare-jar}) adds its column and the ratio sluice/sluice-base,
 * only in a run that has it.
 */
final class ResultTable {

    /** Median, min and max of the rounds; {@code n} rounds. */
    record Cell(double median, double min, double max, int n) {
        static Cell of(List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
            if (v.length == 0) {
                return new Cell(Double.NaN, Double.NaN, Double.NaN, 0);
            }
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Cell(median, v[0], v[v.length - 1], v.length);
        }
    }

    record Row(String scenario, String metric, String unit, Map<Target, Cell> cells, String note) {
        double ratio(Target over) {
            return ratio(Target.SLUICE, over);
        }

        double ratio(Target of, Target over) {
            if (metric.equals(Charts.Metric.STEAL)) {
                return Double.NaN; // the machine's, not a target's: a ratio would mean nothing
            }
            Cell s = cells.get(of);
            Cell o = cells.get(over);
            return s == null || o == null || o.median() == 0 ? Double.NaN : s.median() / o.median();
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final Map<String, Map<Target, List<Double>>> samples = new LinkedHashMap<>();

    /** Adds one round's value for a target. */
    void add(String scenario, String metric, String unit, Target target, double value) {
        String key = scenario + "\u0000" + metric;
        samples.computeIfAbsent(key, k -> new EnumMap<>(Target.class))
                .computeIfAbsent(target, t -> new ArrayList<>()).add(value);
        Map<Target, Cell> cells = new EnumMap<>(Target.class);
        samples.get(key).forEach((t, vs) -> cells.put(t, Cell.of(vs)));
        Row old = rows.get(key);
        rows.put(key, new Row(scenario, metric, unit, cells, old == null ? "" : old.note()));
    }

    /** A row with no figures, only a note (a measurement skipped, and why). */
    void note(String scenario, String metric, String note) {
        String key = scenario + "\u0000" + metric;
        Row old = rows.get(key);
        rows.put(key, new Row(scenario, metric, old == null ? "" : old.unit(),
                old == null ? new EnumMap<>(Target.class) : old.cells(), note));
    }

    List<Row> rows() {
        return List.copyOf(rows.values());
    }

    Cell cell(String scenario, String metric, Target target) {
        Row r = rows.get(scenario + "\u0000" + metric);
        return r == null ? null : r.cells().get(target);
    }

    /** Whether any row has a figure for {@code t}. */
    boolean has(Target t) {
        return rows.values().stream().anyMatch(r -> r.cells().containsKey(t));
    }

    String render() {
        boolean base = has(Target.SLUICE_BASE);
        List<String[]> lines = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("scenario", "metric", "direct", "haproxy", "netty-relay", "sluice",
                "sluice-source"));
        if (base) {
            header.add("sluice-base");
        }
        header.addAll(List.of("sluice/direct", "sluice/haproxy", "sluice-source/haproxy"));
        if (base) {
            header.add("sluice/sluice-base");
        }
        header.add("note");
        lines.add(header.toArray(String[]::new));
        for (Row r : rows.values()) {
            List<String> l = new ArrayList<>(List.of(r.scenario(),
                    r.metric() + (r.unit().isEmpty() ? "" : " (" + r.unit() + ")"),
                    text(r.cells().get(Target.DIRECT)), text(r.cells().get(Target.HAPROXY)),
                    text(r.cells().get(Target.NETTY)), text(r.cells().get(Target.SLUICE)),
                    text(r.cells().get(Target.SLUICE_SOURCE))));
            if (base) {
                l.add(text(r.cells().get(Target.SLUICE_BASE)));
            }
            l.addAll(List.of(ratio(r.ratio(Target.DIRECT)), ratio(r.ratio(Target.HAPROXY)),
                    ratio(r.ratio(Target.SLUICE_SOURCE, Target.HAPROXY))));
            if (base) {
                l.add(ratio(r.ratio(Target.SLUICE_BASE)));
            }
            l.add(r.note());
            lines.add(l.toArray(String[]::new));
        }
        int[] width = new int[lines.get(0).length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                width[i] = Math.max(width[i], l[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int li = 0; li < lines.size(); li++) {
            String[] l = lines.get(li);
            for (int i = 0; i < l.length; i++) {
                boolean numeric = i >= 2 && i < l.length - 1;
                String fmt = "%" + (numeric ? "" : "-") + width[i] + "s";
                sb.append(String.format(fmt, l[i]));
                sb.append(i == l.length - 1 ? "" : "  ");
            }
            sb.append('\n');
            if (li == 0) {
                int total = Arrays.stream(width).sum() + 2 * (width.length - 1);
                sb.append("-".repeat(total)).append('\n');
            }
        }
        return sb.toString().replaceAll(" +\n", "\n");
    }

    void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("scenario,metric,unit");
        for (Target t : Target.values()) {
            sb.append(',').append(t.label).append("_median,").append(t.label).append("_min,")
                    .append(t.label).append("_max,").append(t.label).append("_n");
        }
        sb.append(",sluice_over_direct,sluice_over_haproxy,sluice_source_over_haproxy,sluice_over_sluice_base,note\n");
        for (Row r : rows.values()) {
            sb.append(csv(r.scenario())).append(',').append(csv(r.metric())).append(',').append(csv(r.unit()));
            for (Target t : Target.values()) {
                Cell c = r.cells().get(t);
                sb.append(',').append(c == null ? "" : num(c.median())).append(',').append(c == null ? "" : num(c.min()))
                        .append(',').append(c == null ? "" : num(c.max())).append(',').append(c == null ? "" : c.n());
            }
            sb.append(',').append(num(r.ratio(Target.DIRECT))).append(',').append(num(r.ratio(Target.HAPROXY)))
                    .append(',').append(num(r.ratio(Target.SLUICE_SOURCE, Target.HAPROXY)))
                    .append(',').append(num(r.ratio(Target.SLUICE_BASE)))
                    .append(',').append(csv(r.note())).append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    private static String text(Cell c) {
        if (c == null || c.n() == 0) {
            return "-";
        }
        if (c.n() == 1 || c.min() == c.max()) {
            return fmt(c.median());
        }
        return fmt(c.median()) + " [" + fmt(c.min()) + "-" + fmt(c.max()) + "]";
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2f", r);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
