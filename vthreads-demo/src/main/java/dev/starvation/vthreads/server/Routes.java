package dev.starvation.vthreads.server;

import java.util.List;

/** The server's paths, in the order the help and the SUMMARY line name them. */
public final class Routes {

    public static final String HEALTH = "/health";
    public static final String READY = "/ready";
    public static final String CPU = "/cpu";
    public static final String SLEEP = "/sleep";
    public static final String CPU_FIXED = "/cpu_fixed";
    public static final String CPU_YIELDING = "/cpu_yielding";

    /** The paths that do work, each counted in the SUMMARY line. */
    public static final List<String> WORK = List.of(CPU, SLEEP, CPU_FIXED, CPU_YIELDING);

    private Routes() {
    }
}
