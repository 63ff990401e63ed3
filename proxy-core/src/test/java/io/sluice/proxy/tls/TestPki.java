package io.sluice.proxy.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** A throwaway CA and server certificates, written as PEM files the way OpenSSL would. */
final class TestPki {
    final KeyPair caKey;
    final X509Certificate caCert;

    TestPki() throws Exception {
        caKey = rsa();
        X500Name name = new X500Name("CN=Sluice test CA");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofDays(1))), name, caKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        caCert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** A server certificate for {@code dnsName}, issued by this CA. */
    X509Certificate issue(KeyPair key, String dnsName) throws Exception {
        return issue(key, dnsName, new GeneralName(GeneralName.dNSName, dnsName));
    }

    /** A server certificate for the loopback address itself (an IP subject alternative name), issued by this CA. */
    X509Certificate issueForLoopback(KeyPair key) throws Exception {
        return issue(key, "127.0.0.1", new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    }

    private X509Certificate issue(KeyPair key, String commonName, GeneralName subjectAltName) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=Sluice test CA"),
                BigInteger.valueOf(System.nanoTime()), Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofDays(1))), new X500Name("CN=" + commonName), key.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(subjectAltName));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
    }

    static Path writePem(Path file, Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(text)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        }
        return Files.writeString(file, text.toString());
    }

    /** PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), as mysql_ssl_rsa_setup and older OpenSSL write keys. */
    static Path writePkcs1Key(Path file, KeyPair key) throws IOException {
        return writePem(file, key.getPrivate());
    }

    /** PKCS#8 ({@code BEGIN PRIVATE KEY}), as OpenSSL 3 writes keys. */
    static Path writePkcs8Key(Path file, KeyPair key) throws IOException {
        return writePem(file, new JcaPKCS8Generator(key.getPrivate(), null));
    }
}
