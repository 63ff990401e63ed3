package io.sluice.proxy.testing;

import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxOptions;
import io.sluice.proxy.sandbox.SandboxServer;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Resolves {@link SandboxCluster} parameters of tests and lifecycle methods.
 *
 * <p>By default every test in the run shares ONE cluster (one source, two replicas), started the first time a test asks
 * for it and stopped when the whole suite ends: it lives in the root {@link ExtensionContext}'s store, whose
 * {@link ExtensionContext.Store.CloseableResource}s JUnit closes after the last test. Tests on the shared cluster must
 * leave it healthy: create their own databases, never kill or reconfigure servers.
 *
 * <p>A parameter, method or class annotated {@link FreshCluster} gets a private cluster instead, stored in the test
 * method's own context and therefore closed as soon as that test ends.
 *
 * <pre>{@code
 * @ExtendWith(ClusterExtension.class)
 * class RoutingIT {
 *     @Test void readsGoToReplicas(SandboxCluster cluster) { ... }
 *     @Test void survivesCrash(@FreshCluster SandboxCluster cluster) { cluster.replica(1).kill9(); ... }
 * }
 * }</pre>
 */
public final class ClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterExtension.class);
    private static final String SHARED = "shared-cluster";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SandboxCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Optional<FreshCluster> fresh = freshCluster(parameter, context);
        if (fresh.isPresent()) {
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException("@FreshCluster is for test method parameters; a class-level "
                        + "lifecycle method would share it between tests");
            }
            SandboxOptions options = SandboxOptions.defaults()
                    .withReplicas(fresh.get().replicas())
                    .withSemiSync(fresh.get().semiSync());
            // Keyed by parameter index so that two fresh parameters of one test get two clusters.
            return context.getStore(NAMESPACE)
                    .getOrComputeIfAbsent("fresh-" + parameter.getIndex(),
                            key -> new ClusterResource(SandboxCluster.start(options)), ClusterResource.class)
                    .cluster();
        }
        SandboxCluster shared = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SHARED, key -> new ClusterResource(SandboxCluster.start()), ClusterResource.class)
                .cluster();
        // A test that kills or pauses a shared server breaks every test after it; say which, not a timeout later.
        for (SandboxServer server : shared.servers()) {
            if (!server.isAlive() || server.isPaused()) {
                throw new ParameterResolutionException("The shared sandbox cluster was damaged by an earlier test: "
                        + server.name() + " is " + (server.isAlive() ? "paused" : "not running")
                        + ". Tests that kill, stop or pause servers must use @FreshCluster.");
            }
        }
        return shared;
    }

    private static Optional<FreshCluster> freshCluster(ParameterContext parameter, ExtensionContext context) {
        Optional<FreshCluster> onParameter = parameter.findAnnotation(FreshCluster.class);
        if (onParameter.isPresent()) {
            return onParameter;
        }
        Optional<FreshCluster> onMethod = context.getTestMethod()
                .flatMap(m -> AnnotationSupport.findAnnotation(m, FreshCluster.class));
        if (onMethod.isPresent()) {
            return onMethod;
        }
        return context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, FreshCluster.class));
    }

    /** Lets JUnit close the cluster with the context that owns it. */
    private record ClusterResource(SandboxCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }
}
