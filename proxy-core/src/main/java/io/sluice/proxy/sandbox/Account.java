package io.sluice.proxy.sandbox;

/**
 * A user name and password that every sandbox server accepts from {@code 127.0.0.1}.
 *
 * <p>{@link #toString()} leaves the password out so an account can be logged.
 */
public record Account(String user, String password) {
    @Override
    public String toString() {
        return "Account[" + user + "]";
    }
}
