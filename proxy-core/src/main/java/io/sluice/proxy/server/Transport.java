package io.sluice.proxy.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty transport: native epoll where the platform has it (fewer copies and syscalls than NIO), NIO
 * elsewhere. Client and backend channels of a session share one event loop, so both come from here.
 */
public record Transport(String name, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel) {

    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /**
     * An event loop group; {@code threads} 0 means one per core the JVM may use (its CPU affinity and container
     * quota included). Netty's own default for 0 is two per core: on a proxy every loop is busy at once under load,
     * so the second loop per core only adds context switches (a third of Sluice's CPU went to waking and switching
     * threads in a point-select profile with four loops on two cores).
     */
    public EventLoopGroup group(int threads, String prefix) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        DefaultThreadFactory tf = new DefaultThreadFactory(prefix, true);
        return name.equals("epoll") ? new EpollEventLoopGroup(n, tf) : new NioEventLoopGroup(n, tf);
    }
}
