# Figures S1-S5 (README, "Beyond the paper"): scans of one model at one N over several
# points, analysed with one bootstrap shared by their points, and the level statistics of
# the electrons alone.


rule scan:
    input:
        unpack(scan_inputs),
    output:
        paths.pattern("scan"),
    log:
        paths.log("scan", "scan"),
    benchmark:
        paths.benchmark("scan", "scan")
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=scan_mem_mb,
        runtime=120,
    params:
        source=SOURCE,
        settings=scan_settings,
        physics=lambda wildcards: model_physics(config, SCANS[wildcards.scan]["model"]),
        resamples=config["analysis"]["bootstrap_resamples"],
        seed=config["seed"],
    script:
        "../scripts/scan.py"


rule level_statistics:
    output:
        paths.pattern("levels"),
    log:
        paths.log("level_statistics", "levels"),
    benchmark:
        paths.benchmark("level_statistics", "levels")
    conda:
        "../../envs/physics.yaml"
    threads: config["threads"]
    resources:
        mem_mb=eth_mem_mb,
        runtime=level_runtime,
    params:
        source=SOURCE,
        physics=physics_params(),
        b_tesla=config["beyond"]["b_tesla"],
        realizations=lambda wildcards: LEVEL_POINTS[(wildcards.n, wildcards.u)],
        seed=config["seed"],
    script:
        "../scripts/level_statistics.py"
