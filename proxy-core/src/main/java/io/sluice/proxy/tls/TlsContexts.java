package io.sluice.proxy.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sluice.proxy.config.TlsConfig;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * Builds the Netty {@link SslContext}s Sluice uses, once at start, from {@link TlsConfig}. Only TLS 1.3 and 1.2 are enabled on
 * either side; the cipher suites are the JDK's defaults for those versions.
 *
 * <p>The contexts are immutable and shared by all connections; make a handler per connection with
 * {@link SslContext#newHandler}.
 */
public final class TlsContexts {
    /** The protocols enabled on both sides, preferred first. TLS 1.1 and older are refused (RFC 8996). */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Subject of the certificate generated when none is configured. */
    public static final String SELF_SIGNED_SUBJECT = "CN=Sluice auto-generated";
    /** Validity of the generated certificate; it is made afresh at every start. */
    public static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(365);

    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final int RSA_BITS = 2048;

    private TlsContexts() {
    }

    /**
     * The server-mode context for clients that send an SSLRequest: the configured certificate and key, or, with no
     * {@code tls.cert} (or a null config), a self-signed certificate generated now.
     */
    public static SslContext forClients(TlsConfig tls) throws TlsSetupException {
        TlsConfig config = tls == null ? TlsConfig.defaults() : tls;
        CertifiedKey identity;
        if (config.certificate().isPresent()) {
            TlsConfig.CertificateFiles files = config.certificate().get();
            List<X509Certificate> chain = Pem.certificates(files.cert(), "tls.cert");
            PrivateKey key = Pem.privateKey(files.key(), "tls.key");
            if (!matches(key, chain.get(0).getPublicKey())) {
                throw new TlsSetupException("tls.key " + files.key() + " is not the private key of the certificate in tls.cert "
                        + files.cert());
            }
            identity = new CertifiedKey(chain, key);
            X509Certificate leaf = chain.get(0);
            log.info("TLS for clients: certificate {} from {} (subject {}, expires {})", leaf.getSerialNumber().toString(16),
                    files.cert(), leaf.getSubjectX500Principal().getName(), leaf.getNotAfter().toInstant());
            if (leaf.getNotAfter().toInstant().isBefore(Instant.now())) {
                log.warn("TLS for clients: the certificate in {} expired on {}; clients that verify it will refuse to connect",
                        files.cert(), leaf.getNotAfter().toInstant());
            }
        } else {
            identity = selfSigned(Instant.now());
            log.info("TLS for clients: no tls.cert configured; generated a self-signed certificate ({}, expires {}). "
                            + "Traffic is encrypted but clients cannot verify the proxy; configure tls.cert and tls.key for that",
                    SELF_SIGNED_SUBJECT, identity.chain().get(0).getNotAfter().toInstant());
        }
        try {
            return SslContextBuilder.forServer(identity.key(), identity.chain())
                    .protocols(PROTOCOLS)
                    .build();
        } catch (SSLException e) {
            throw new TlsSetupException("cannot build the client-facing TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * The client-mode context for connecting to backends, or empty when {@code tls.backend} is off. The backend's chain is
     * verified against {@code tls.backend_ca}, else the JVM's default trust store; its host name is verified too unless
     * {@code tls.backend_verify_hostname} is off. Host name verification needs the peer's host, so make handlers with
     * {@link SslContext#newHandler(io.netty.buffer.ByteBufAllocator, String, int)}, passing the backend's configured host.
     */
    public static Optional<SslContext> forBackends(TlsConfig tls) throws TlsSetupException {
        if (tls == null || !tls.backend()) {
            return Optional.empty();
        }
        SslContextBuilder builder = SslContextBuilder.forClient().protocols(PROTOCOLS)
                // "HTTPS" is the JDK's name for RFC 2818/6125 host name checks; null turns them off (Netty 4.2 defaults on).
                .endpointIdentificationAlgorithm(tls.backendVerifyHostname() ? "HTTPS" : null);
        if (tls.backendCa().isPresent()) {
            builder.trustManager(Pem.certificates(tls.backendCa().get(), "tls.backend_ca"));
        }
        log.info("TLS to backends: on; trusting {}; host name verification {}",
                tls.backendCa().map(p -> "the CA certificates in " + p).orElse("the JVM's default trust store"),
                tls.backendVerifyHostname() ? "on" : "off");
        try {
            return Optional.of(builder.build());
        } catch (SSLException e) {
            throw new TlsSetupException("cannot build the backend TLS context: " + e.getMessage(), e);
        }
    }

    /** A certificate chain and its private key. */
    record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {
        CertifiedKey {
            chain = List.copyOf(chain);
        }

        @Override
        public String toString() {
            return "CertifiedKey[" + chain.get(0).getSubjectX500Principal() + "]";
        }
    }

    /**
     * A fresh RSA 2048 key and a self-signed certificate for it, valid from an hour before {@code now} (for clients with a
     * slow clock) for {@link #SELF_SIGNED_VALIDITY}. Built with BouncyCastle: Netty's SelfSignedCertificate falls back on JDK
     * internals that Java 17 closes.
     */
    static CertifiedKey selfSigned(Instant now) throws TlsSetupException {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(RSA_BITS, random);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name(SELF_SIGNED_SUBJECT);
            BigInteger serial = new BigInteger(64, random).setBit(62); // positive and non-zero, as RFC 5280 requires
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(SELF_SIGNED_VALIDITY)), subject,
                    pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
            return new CertifiedKey(List.of(cert), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new TlsSetupException("cannot generate a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Whether the private key belongs to the public key: sign a probe and verify it. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) throws TlsSetupException {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            throw new TlsSetupException("tls.key: unsupported key algorithm " + key.getAlgorithm());
        }
        try {
            byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
