package io.sluice.routing;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The routing module is pure (STYLE.md: "plain Java values in, decisions out"): it must not touch sockets,
 * files, channels, threads or the wall clock. A routing decision that could block or race would run on every
 * session's event loop.
 */
class NoIoArchitectureTest {
    private static final JavaClasses ROUTING = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sluice.routing");

    @Test
    void noIo() {
        ArchRule rule = noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "java.net..", "java.nio.channels..", "java.nio.file..", "io.netty..", "javax.net..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileOutputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.RandomAccessFile")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileReader")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileWriter")
                .because("routing decides; proxy-core does the I/O");
        rule.check(ROUTING);
    }

    @Test
    void noThreadsOrExecutors() {
        ArchRule rule = noClasses().should().dependOnClassesThat().areAssignableTo(Thread.class)
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.Executors")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ExecutorService")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ForkJoinPool")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.CompletableFuture")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Timer")
                .because("routing runs on the caller's thread, usually a session's event loop");
        rule.check(ROUTING);
    }

    @Test
    void noClockItWasNotGiven() {
        ArchRule rule = noClasses().should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
                .because("time is an input: a Clock or a timestamp passed in");
        rule.check(ROUTING);
    }

    @Test
    void noSystemPropertiesOrEnvironment() {
        ArchRule rule = noClasses().should().callMethod(System.class, "getProperty", String.class)
                .orShould().callMethod(System.class, "getenv", String.class)
                .because("DESIGN.md: nothing reads a system property or a global; config is passed in");
        rule.check(ROUTING);
    }
}
