package io.sluice.proxy.auth;

/**
 * The RSA key pair offered to {@code caching_sha2_password} clients that authenticate without TLS: they ask for
 * the public key and send their password encrypted with it.
 */
public interface RsaKeys {
    String publicKeyPem();

    /** Decrypts with RSA/ECB/OAEPWithSHA-1AndMGF1Padding, as MySQL 8.0.5+ clients encrypt. */
    byte[] decrypt(byte[] encrypted);
}
