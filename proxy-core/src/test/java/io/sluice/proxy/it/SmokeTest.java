package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(ClusterExtension.class)
class SmokeTest {
    @Test
    void mariadbDriverQueriesThroughSluice(SandboxCluster cluster) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(cluster);
             Connection c = DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password()));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 + 1, @@server_id")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    @Test
    void connectorJQueriesThroughSluice(SandboxCluster cluster) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(cluster);
             Connection c = DriverManager.getConnection(sluice.mysqlUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password(), "sslMode=DISABLED"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 + 1, @@server_id")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }
}
