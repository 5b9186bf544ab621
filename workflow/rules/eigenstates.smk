# Fig. 4: eigenstates of the electrons alone in the Sz = 0 sector, per (N, U, realization).


rule eigenstates:
    output:
        paths.pattern("eigenstates"),
    log:
        paths.log("eigenstates", "eigenstates"),
    benchmark:
        paths.benchmark("eigenstates", "eigenstates")
    conda:
        PHYSICS_ENV
    threads: config["threads"]
    resources:
        mem_mb=eth_mem_mb,
        runtime=eth_runtime,
        gpu=GPUS_PER_JOB,
    params:
        source=SOURCE,
        physics=physics_params(),
        seed=config["seed"],
        backend=config["backend"],
    script:
        "../scripts/eigenstates.py"
