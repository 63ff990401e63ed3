package io.sluice.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short external command to completion and returns what it printed (stdout and stderr together). */
final class Commands {
    private Commands() {
    }

    record Result(int exitCode, String output) {
    }

    static Result run(List<String> command, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // Read on this thread; the commands here print little (sysbench's histogram is the largest, a few KiB).
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new HarnessException("timed out after " + timeout + ": " + String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HarnessException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessException("interrupted while running " + command.get(0), e);
        }
    }

    static String runOk(List<String> command, Duration timeout) {
        Result r = run(command, timeout);
        if (r.exitCode() != 0) {
            throw new HarnessException(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + tail(r.output(), 30));
        }
        return r.output();
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
    }
}
