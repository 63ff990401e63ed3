/** The MySQL client/server protocol on Netty {@code ByteBuf}. Knows nothing about routing. */
package io.sluice.protocol;
