package io.sluice.proxy.tls;

import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RsaKeyPairTest {
    private static final RsaKeyPair KEYS = RsaKeyPair.generate();

    /** What Connector/J does with the server's public key PEM: drop the armour, decode, read SubjectPublicKeyInfo. */
    private static PublicKey parseAsAClientWould(String pem) throws Exception {
        String base64 = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    /** The client's side of caching_sha2_password: the NUL-terminated password XOR the 20-byte scramble, repeated. */
    private static byte[] obfuscate(String password, byte[] scramble) {
        byte[] pw = (password + "\0").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < pw.length; i++) {
            pw[i] ^= scramble[i % scramble.length];
        }
        return pw;
    }

    @Test
    void publicKeyPemIsAnX509SubjectPublicKeyInfoIn64ColumnLines() {
        String pem = KEYS.publicKeyPem();

        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("\n-----END PUBLIC KEY-----\n");
        assertThat(pem.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(64));
        assertThat(KEYS.publicKey().getModulus().bitLength()).isEqualTo(2048);
    }

    @Test
    void whatAClientEncryptsWithTheParsedPemDecrypts() throws Exception {
        byte[] scramble = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        byte[] sent = obfuscate("s3cret pässword", scramble);
        PublicKey key = parseAsAClientWould(KEYS.publicKeyPem());
        assertThat(((RSAPublicKey) key).getModulus()).isEqualTo(KEYS.publicKey().getModulus());

        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, key);

        assertThat(KEYS.decrypt(cipher.doFinal(sent))).isEqualTo(sent);
    }

    @Test
    void paddingIsOpensslOaepSha1WithMgf1Sha1() throws Exception {
        // Spelled out, as libmysqlclient's RSA_PKCS1_OAEP_PADDING has it, so the JCA name cannot drift to something else.
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
        cipher.init(Cipher.ENCRYPT_MODE, parseAsAClientWould(KEYS.publicKeyPem()),
                new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        byte[] sent = obfuscate("pw", new byte[20]);

        assertThat(KEYS.decrypt(cipher.doFinal(sent))).isEqualTo(sent);
    }

    @Test
    void pkcs1V15PaddingAsPreMysql805ClientsSendIsRefused() throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, KEYS.publicKey());

        byte[] ciphertext = cipher.doFinal("pw\0".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> KEYS.decrypt(ciphertext)).isInstanceOf(RsaKeyPair.InvalidCiphertextException.class);
    }

    @Test
    void ciphertextOfTheWrongSizeOrForAnotherKeyIsRefused() throws Exception {
        assertThatThrownBy(() -> KEYS.decrypt(new byte[10])).isInstanceOf(RsaKeyPair.InvalidCiphertextException.class)
                .hasMessage("expected 256 bytes of RSA ciphertext, got 10");

        Cipher cipher = Cipher.getInstance(RsaKeyPair.TRANSFORMATION);
        cipher.init(Cipher.ENCRYPT_MODE, RsaKeyPair.generate().publicKey());
        byte[] forAnotherKey = cipher.doFinal(new byte[] {1, 2, 3});
        assertThatThrownBy(() -> KEYS.decrypt(forAnotherKey)).isInstanceOf(RsaKeyPair.InvalidCiphertextException.class);
    }

    @Test
    void eachGeneratedPairIsNew() {
        assertThat(RsaKeyPair.generate().publicKeyPem()).isNotEqualTo(KEYS.publicKeyPem());
        assertThat(KEYS.toString()).doesNotContain(KEYS.publicKey().getModulus().toString());
    }
}
