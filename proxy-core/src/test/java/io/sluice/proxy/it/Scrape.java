package io.sluice.proxy.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of Sluice's {@code /metrics}, parsed from the Prometheus text format into samples: a metric name, its
 * labels and a value. Enough of the format for what Sluice exposes (comments, labels with escaped values, NaN).
 */
record Scrape(String text, List<Sample> samples) {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Response(int status, String contentType, String body) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Response get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    }

    static Scrape of(int port) throws IOException, InterruptedException {
        Response r = get(port, "/metrics");
        if (r.status() != 200) {
            throw new AssertionError("/metrics answered " + r.status() + ": " + r.body());
        }
        return parse(r.body());
    }

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq);
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;   // past ="
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            j++;
                            c = line.charAt(j) == 'n' ? '\n' : line.charAt(j);
                        }
                        v.append(c);
                        j++;
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).trim().split(" ");
            samples.add(new Sample(name, labels, Double.parseDouble(rest[0])));
        }
        return new Scrape(text, samples);
    }

    /** The sum of the samples of {@code name} whose labels include these {@code key, value} pairs. */
    double value(String name, String... labels) {
        double sum = 0;
        boolean any = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s, labels)) {
                sum += s.value();
                any = true;
            }
        }
        if (!any) {
            throw new AssertionError("no sample " + name + " " + List.of(labels) + " in the scrape");
        }
        return sum;
    }

    /** Like {@link #value}, but 0 when there is no such sample (a counter not yet touched). */
    double valueOrZero(String name, String... labels) {
        return has(name, labels) ? value(name, labels) : 0;
    }

    boolean has(String name, String... labels) {
        return samples.stream().anyMatch(s -> s.name().equals(name) && matches(s, labels));
    }

    private static boolean matches(Sample s, String[] labels) {
        for (int k = 0; k + 1 < labels.length; k += 2) {
            if (!labels[k + 1].equals(s.labels().get(labels[k]))) {
                return false;
            }
        }
        return true;
    }
}
