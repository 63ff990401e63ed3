package io.sluice.proxy.session;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectAttributesTest {

    private static Map<String, String> driver(String thread) {
        Map<String, String> m = new LinkedHashMap<>();
        // new String(...): each connection's attributes are decoded into strings of their own
        m.put(new String("_client_name"), new String("MariaDB Connector/J"));
        m.put(new String("_client_version"), new String("3.5.1"));
        m.put(new String("_thread"), new String(thread));
        m.put(new String("_pid"), new String("4242"));
        return m;
    }

    @Test
    void connectionsThatSentTheSameAttributesShareOneMap() {
        Map<String, String> a = ConnectAttributes.of(driver("7"), new String("10.0.0.5"));
        Map<String, String> b = ConnectAttributes.of(driver("7"), new String("10.0.0.5"));

        assertThat(b).isSameAs(a);
        assertThat(a).containsExactly(
                Map.entry("_client_name", "MariaDB Connector/J"), Map.entry("_client_version", "3.5.1"),
                Map.entry("_thread", "7"), Map.entry("_pid", "4242"),
                Map.entry(ConnectAttributes.SLUICE_CLIENT, "10.0.0.5"));
    }

    @Test
    void differentAttributesStayApartButShareTheirEqualStrings() {
        Map<String, String> a = ConnectAttributes.of(driver("7"), "10.0.0.5");
        Map<String, String> b = ConnectAttributes.of(driver("8"), "10.0.0.5");

        assertThat(b).isNotSameAs(a).containsEntry("_thread", "8");
        assertThat(a).containsEntry("_thread", "7");
        assertThat(b.get("_client_name")).isSameAs(a.get("_client_name"));
        assertThat(b.get(ConnectAttributes.SLUICE_CLIENT)).isSameAs(a.get(ConnectAttributes.SLUICE_CLIENT));
        String keyOfA = a.keySet().iterator().next();
        assertThat(b.keySet().iterator().next()).isSameAs(keyOfA);
    }

    @Test
    void theClientCannotNameItselfForTheServers() {
        Map<String, String> sent = driver("7");
        sent.put(ConnectAttributes.SLUICE_CLIENT, "192.0.2.99");

        Map<String, String> kept = ConnectAttributes.of(sent, "10.0.0.5");

        assertThat(kept).containsEntry(ConnectAttributes.SLUICE_CLIENT, "10.0.0.5").hasSize(5);
    }

    @Test
    void theSharedMapCannotBeChangedBySession() {
        Map<String, String> a = ConnectAttributes.of(driver("7"), "10.0.0.5");

        assertThatThrownBy(() -> a.put("_thread", "9")).isInstanceOf(UnsupportedOperationException.class);
    }
}
