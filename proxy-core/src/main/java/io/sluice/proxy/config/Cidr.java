package io.sluice.proxy.config;

import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IP network written in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}), or one address ({@code 10.1.2.3},
 * meaning {@code /32}, or {@code /128} for IPv6), as listed in {@code proxy_protocol_networks}.
 *
 * <p>Only address literals: a host name is rejected rather than resolved, since the list decides whom Sluice believes
 * about a client's address. An IPv4 network matches IPv4 clients only, also when they arrive on a dual-stack socket as
 * IPv4-mapped IPv6 addresses ({@code ::ffff:10.1.2.3}), which Java reports as IPv4.
 *
 * @param network   the network address, its host bits zero
 * @param prefixLength 0 to 32 for IPv4, 0 to 128 for IPv6
 */
public record Cidr(InetAddress network, int prefixLength) {
    public Cidr {
        Objects.requireNonNull(network, "network");
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0.." + bits);
        }
        byte[] a = network.getAddress();
        if (!Arrays.equals(a, mask(a, prefixLength))) {
            throw new IllegalArgumentException(network.getHostAddress() + "/" + prefixLength
                    + " has host bits set; the network is " + new Cidr(address(mask(a, prefixLength)), prefixLength));
        }
    }

    /**
     * Parses {@code address[/prefix]}.
     *
     * @throws IllegalArgumentException saying what is wrong and how to write it
     */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + s + "' is not an IP network; write an address with a prefix length,"
                    + " e.g. 10.0.0.0/8 or fd00::/8 (host names are not allowed)");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("bad prefix length in '" + s + "': must be from 0 to " + bits);
            }
            prefix = Integer.parseInt(p);
        }
        return new Cidr(address(bytes), prefix);
    }

    /** Whether {@code address} is in this network. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        return Arrays.equals(mask(a, prefixLength), n);
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);   // no lookup: the bytes are the address
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + e.getMessage());
        }
    }

    /** {@code 10.0.0.0/8}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        String host = network instanceof Inet4Address ? network.getHostAddress()
                : NetUtil.toAddressString(network);
        return host + "/" + prefixLength;
    }
}
