# Per realization of a model (paper, the config's physics, or a variant under models):
# exact diagonalization, transition strengths and the stationary states at every microwave
# frequency the config asks of that (B, U) point, in one job (dnpmbl.solve_realization,
# the eigenvectors freed before the stationary solves).


rule realization:
    output:
        table=paths.pattern("realization"),
        states=paths.pattern("states"),
    log:
        paths.log("realization", "realization"),
    benchmark:
        paths.benchmark("realization", "realization")
    group:
        "realization"
    conda:
        PHYSICS_ENV
    threads: config["threads"]
    resources:
        mem_mb=realization_mem_mb,
        runtime=realization_runtime,
        gpu=GPUS_PER_JOB,
    params:
        source=SOURCE,
        physics=model_params,
        offsets=point_offsets,
        seed=config["seed"],
        backend=config["backend"],
        stationary_solver=config["stationary_solver"],
    script:
        "../scripts/realization.py"
