/** Pure routing decisions: plain values in, decisions out; no I/O. */
package io.sluice.routing;
