package io.sluice.proxy.tls;

import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.IllegalBlockSizeException;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import javax.crypto.NoSuchPaddingException;

/**
 * The RSA key pair of {@code caching_sha2_password}'s public-key exchange: a client on a connection without TLS that must send
 * its password asks for the server's public key (or has it from {@code --server-public-key-path}), and sends the password,
 * XORed with the scramble, encrypted with it. Generated at each start; unrelated to the TLS certificate.
 *
 * <p>MySQL 8.0.5+ and its clients use OAEP padding (OpenSSL's {@code RSA_PKCS1_OAEP_PADDING}: SHA-1 and MGF1 with SHA-1).
 * The proxy must therefore announce a server version of at least 8.0.5, or clients fall back to PKCS#1 v1.5 padding.
 * See <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html">
 * caching_sha2_password authentication exchanges</a>.
 *
 * <p>Immutable and safe to share; {@link #decrypt} makes its own {@link Cipher} per call (a Cipher is not thread-safe).
 * An RSA 2048 decryption costs about a millisecond of CPU.
 */
public final class RsaKeyPair {
    /** Key size; MySQL's own {@code caching_sha2_password} keys are 2048 bits too. */
    public static final int BITS = 2048;
    /** JCA name of the padding MySQL clients use. SunJCE's "SHA-1" OAEP uses MGF1 with SHA-1 too, as OpenSSL does. */
    static final String TRANSFORMATION = "RSA/ECB/OAEPWithSHA-1AndMGF1Padding";

    private final RSAPublicKey publicKey;
    private final RSAPrivateKey privateKey;
    private final String publicKeyPem;

    private RsaKeyPair(KeyPair pair) {
        this.publicKey = (RSAPublicKey) pair.getPublic();
        this.privateKey = (RSAPrivateKey) pair.getPrivate();
        // X.509 SubjectPublicKeyInfo, "BEGIN PUBLIC KEY", as in MySQL's public_key.pem; what Connector/J and libmysql parse.
        this.publicKeyPem = Pem.encode("PUBLIC KEY", publicKey.getEncoded());
    }

    /** A fresh {@value #BITS}-bit key pair. */
    public static RsaKeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(BITS);
            return new RsaKeyPair(generator.generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has RSA", e);
        }
    }

    /** The public key as PEM ({@code -----BEGIN PUBLIC KEY-----}), the payload of the reply to a public-key request. */
    public String publicKeyPem() {
        return publicKeyPem;
    }

    public RSAPublicKey publicKey() {
        return publicKey;
    }

    /**
     * Decrypts what a client sent.
     *
     * @throws InvalidCiphertextException when it is not a {@value #BITS}-bit OAEP ciphertext made with our public key;
     *                                    answer the client with an access-denied error
     */
    public byte[] decrypt(byte[] ciphertext) throws InvalidCiphertextException {
        if (ciphertext.length != BITS / 8) {
            throw new InvalidCiphertextException("expected " + BITS / 8 + " bytes of RSA ciphertext, got " + ciphertext.length);
        }
        Cipher cipher;
        try {
            cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, privateKey);
        } catch (NoSuchAlgorithmException | NoSuchPaddingException | InvalidKeyException e) {
            throw new IllegalStateException("the JDK lacks " + TRANSFORMATION, e);
        }
        try {
            return cipher.doFinal(ciphertext);
        } catch (BadPaddingException | IllegalBlockSizeException e) {
            throw new InvalidCiphertextException("RSA decryption failed: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "RsaKeyPair[" + BITS + " bits]";
    }

    /** What a client sent could not be decrypted with our private key. */
    public static final class InvalidCiphertextException extends GeneralSecurityException {
        private static final long serialVersionUID = 1L;

        InvalidCiphertextException(String message) {
            super(message);
        }
    }
}
