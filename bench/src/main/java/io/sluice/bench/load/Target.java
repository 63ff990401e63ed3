package io.sluice.bench.load;

/** Where sysbench connects: the source itself, the L4 reference relay, or Sluice. */
enum Target {
    DIRECT("direct"), HAPROXY("haproxy"), SLUICE("sluice");

    final String label;

    Target(String label) {
        this.label = label;
    }
}
