/**
 * The router: where one statement goes, as a pure function of its {@link io.sluice.routing.classify.Classification},
 * the session's {@link io.sluice.routing.route.SessionRouting}, a
 * {@link io.sluice.routing.topology.TopologySnapshot} and a {@link io.sluice.routing.route.LoadView}. No I/O, no
 * threads, no clock. See {@link io.sluice.routing.route.Router} for the rules and their order.
 */
package io.sluice.routing.route;
