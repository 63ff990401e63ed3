package io.sluice.proxy.backend;

import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BackendProbe#answers} takes a server that refuses, or accepts and says nothing, for down. That a server
 * that is up answers is shown against a real one, in {@code ReadRetryTest}.
 */
class BackendProbeTest {
    private static NioEventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void aPortNobodyListensOnIsDown() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(BackendProbe.answers(group, NioSocketChannel.class, new BackendEndpoint("gone", "127.0.0.1", port),
                500).get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void aListenerThatAcceptsButNeverGreetsIsDownOnceTheBoundPasses() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // The kernel completes the TCP handshake from the backlog; nothing ever writes a packet.
            assertThat(BackendProbe.answers(group, NioSocketChannel.class,
                    new BackendEndpoint("silent", "127.0.0.1", s.getLocalPort()), 300).get(5, TimeUnit.SECONDS))
                    .isFalse();
        }
    }

    @Test
    void aListenerThatClosesBeforeGreetingIsDown() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread closer = new Thread(() -> {
                try (Socket accepted = s.accept()) {
                    // closed at once
                } catch (java.io.IOException ignored) {
                    // the test fails on the probe's answer instead
                }
            });
            closer.start();
            assertThat(BackendProbe.answers(group, NioSocketChannel.class,
                    new BackendEndpoint("closing", "127.0.0.1", s.getLocalPort()), 5000).get(5, TimeUnit.SECONDS))
                    .isFalse();
            closer.join(5000);
        }
    }
}
