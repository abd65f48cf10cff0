// A method's runs aggregated over seeds (see Summaries): mean ± std of each metric, of the seconds, of the
// per-run RTE ratio to Retrain and of the per-run gap to Retrain; the attack success rates (undefined, count 0,
// unless the runs were on a backdoored model's data).
package ai.lethe.report;

public record MethodSummary(String method, int runs, Stat ua, Stat miaEfficacy, Stat ra, Stat ta, Stat forgetTestAccuracy,
                            Stat ssdMia, Stat zrf, Stat seconds, Stat rteRatio, Stat gap, Stat sparsity, Stat asr,
                            Stat asrNonTarget) {}
