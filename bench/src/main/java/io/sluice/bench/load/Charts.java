package io.sluice.bench.load;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The table as a PNG, drawn with XChart: one bar chart per kind of figure (medians; the ranges are in the table and
 * CSV), four charts in a 2x2 grid.
 */
final class Charts {
    private Charts() {
    }

    static void write(ResultTable table, String title, Path png) throws IOException {
        List<CategoryChart> charts = new ArrayList<>();
        charts.add(byTarget(table, Metric.QPS, "Throughput, " + title, "queries/s (median)",
                List.of(Target.values()), false));
        charts.add(byTarget(table, null, "Latency at a fixed rate (per sysbench event)", "ms (median of rounds)",
                List.of(Target.values()), true));
        charts.add(byTarget(table, Metric.CPU, "Proxy CPU per query", "µs CPU / query (median)",
                List.of(Target.HAPROXY, Target.NETTY, Target.SLUICE, Target.SLUICE_SOURCE, Target.SLUICE_BASE), false));
        charts.add(connections(table));
        try {
            BitmapEncoder.saveBitmap(charts, 2, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IllegalArgumentException e) {
            // XChart rejects some data (e.g. a non-positive value on a log axis): the table and CSV still stand.
            throw new IOException("XChart could not draw the chart: " + e.getMessage(), e);
        }
    }

    private static CategoryChart byTarget(ResultTable table, String metric, String title, String yTitle,
                                          List<Target> targets, boolean latency) {
        CategoryChart chart = base(title, yTitle);
        // Latencies at a fixed rate span orders of magnitude (p50 vs a queueing p99): a log axis keeps both readable.
        chart.getStyler().setYAxisLogarithmic(latency);
        Set<String> categories = new LinkedHashSet<>();
        for (ResultTable.Row r : table.rows()) {
            if (latency ? (r.metric().equals(Metric.P50) || r.metric().equals(Metric.P99)) : r.metric().equals(metric)) {
                categories.add(latency ? r.scenario() + " " + r.metric() : r.scenario());
            }
        }
        if (categories.isEmpty()) {
            categories.add("(none)");
        }
        double smallest = Double.MAX_VALUE;
        for (Target t : targets) {
            if (!table.has(t)) {
                continue; // sluice-base outside a --compare-jar run: no series, not an empty one in the legend
            }
            List<Double> values = new ArrayList<>();
            for (String c : categories) {
                ResultTable.Cell cell = null;
                for (ResultTable.Row r : table.rows()) {
                    String key = latency ? r.scenario() + " " + r.metric() : r.scenario();
                    boolean match = latency ? (r.metric().equals(Metric.P50) || r.metric().equals(Metric.P99))
                            : r.metric().equals(metric);
                    if (match && key.equals(c)) {
                        cell = r.cells().get(t);
                    }
                }
                // A target without this figure (the Sluice-only read-after-write ways) gets no bar, not a bar at the floor.
                values.add(cell == null || Double.isNaN(cell.median()) ? null : cell.median());
            }
            smallest = Math.min(smallest, values.stream().filter(java.util.Objects::nonNull)
                    .mapToDouble(Double::doubleValue).filter(v -> !latency || v > 0).min().orElse(1));
            chart.addSeries(t.label, new ArrayList<>(categories), values).setFillColor(color(t));
        }
        if (latency) {
            // Bars start at the axis minimum, which must be positive on a log axis: the decade strictly below the smallest
            // value, so that no bar has zero height.
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest * 0.99))));
        }
        return chart;
    }

    private static CategoryChart connections(ResultTable table) {
        CategoryChart chart = base("Sluice, idle client connections", "KiB per connection");
        List<String> categories = new ArrayList<>();
        for (ResultTable.Row r : table.rows()) {
            if (r.metric().equals(Metric.HEAP_PER_CONN) && r.cells().get(Target.SLUICE) != null) {
                categories.add(r.scenario());
            }
        }
        if (categories.isEmpty()) {
            chart.addSeries("heap", List.of("(not measured)"), List.of(0.0));
            return chart;
        }
        // sluice-base's bars beside Sluice's when it held connections too (a run comparing builds or JVMs).
        for (Target t : List.of(Target.SLUICE, Target.SLUICE_BASE)) {
            List<Double> heap = new ArrayList<>();
            List<Double> rss = new ArrayList<>();
            boolean any = false;
            for (String scenario : categories) {
                ResultTable.Cell hc = table.cell(scenario, Metric.HEAP_PER_CONN, t);
                ResultTable.Cell rc = table.cell(scenario, Metric.RSS_PER_CONN, t);
                any |= hc != null;
                heap.add(hc == null ? null : hc.median());
                rss.add(rc == null ? null : rc.median());
            }
            if (!any) {
                continue;
            }
            String prefix = t == Target.SLUICE ? "" : t.label + " ";
            chart.addSeries(prefix + "heap", categories, heap);
            chart.addSeries(prefix + "RSS", categories, rss);
        }
        return chart;
    }

    /** The same colour for a target in every chart. */
    private static java.awt.Color color(Target t) {
        return switch (t) {
            case DIRECT -> new java.awt.Color(0x4C72B0);
            case HAPROXY -> new java.awt.Color(0xDD8452);
            case NETTY -> new java.awt.Color(0x55A868);
            case SLUICE -> new java.awt.Color(0x8172B3);
            case SLUICE_SOURCE -> new java.awt.Color(0xC4B9E0);
            case SLUICE_BASE -> new java.awt.Color(0x937860);
        };
    }

    private static CategoryChart base(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(20);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLabelsVisible(false);
        return chart;
    }

    /** Metric names shared by the harness, the table and the chart. */
    static final class Metric {
        static final String QPS = "throughput";
        static final String P50 = "p50";
        static final String P99 = "p99";
        static final String CPU = "proxy CPU per query";
        static final String CPU_KERNEL = "of which in the kernel";
        static final String CPU_JIT = "of which JIT compiling";
        static final String RSS = "proxy RSS after run";
        static final String HEAP_PER_CONN = "heap per connection";
        static final String RSS_PER_CONN = "RSS per connection";
        static final String BACKENDS = "backend connections";
        static final String OPENED = "client connections held";
        static final String STEAL = "CPU stolen by the host";
        static final String SERVERS_CPU = "servers' CPU per query";

        private Metric() {
        }
    }
}
