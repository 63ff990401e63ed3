package io.sluice.proxy.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files with BouncyCastle, which, unlike the JDK and Netty's own reader, also understands the PKCS#1
 * ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}) keys that OpenSSL and {@code mysql_ssl_rsa_setup} write.
 */
final class Pem {
    private Pem() {
    }

    /** All certificates in the file, in order (leaf first, then intermediates, by convention). */
    static List<X509Certificate> certificates(Path file, String key) throws TlsSetupException {
        List<X509Certificate> certs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // BouncyCastle reports malformed PEM content with unchecked exceptions as well as IOException.
            throw new TlsSetupException(key + " " + file + ": cannot read PEM certificates: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new TlsSetupException(key + " " + file + ": no '-----BEGIN CERTIFICATE-----' block found");
        }
        return certs;
    }

    /** The one private key in the file. */
    static PrivateKey privateKey(Path file, String key) throws TlsSetupException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new TlsSetupException(key + " " + file + ": the private key is encrypted; Sluice needs it "
                            + "unencrypted (protect it with file permissions), e.g. openssl pkey -in key.pem -out plain.pem");
                }
            }
        } catch (IOException | RuntimeException e) {
            // Never include the key's content, only what went wrong.
            throw new TlsSetupException(key + " " + file + ": cannot read a PEM private key: " + e.getClass().getSimpleName(), e);
        }
        throw new TlsSetupException(key + " " + file + ": no '-----BEGIN ... PRIVATE KEY-----' block found");
    }

    /** PEM text of a DER structure, in 64-character lines as OpenSSL writes it. */
    static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
