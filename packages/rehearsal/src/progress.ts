/**
 * Terraform's lines during a rehearsal, thinned for people: the plan body that `apply -auto-approve` prints
 * first (hundreds of lines for the example stack, all "+ create") is left out up to its "Plan: ..." line, and
 * each "Creation complete" line is numbered against the resource count, so the apply shows how far it is.
 * Everything else (init, "Still creating...", warnings and errors) passes unchanged.
 */
export function applyProgress(total: number, write: (line: string) => void): (line: string) => void {
  let inPlan = false;
  let created = 0;
  return (line) => {
    if (/^(Terraform will perform the following actions|Terraform used the selected providers)/.test(line)) {
      inPlan = true;
      return;
    }
    if (inPlan) {
      if (!/^Plan: \d+ to add/.test(line)) return;
      inPlan = false;
    }
    if (/: Creation complete after /.test(line)) {
      created += 1;
      write(`[${created}/${total}] ${line}`);
      return;
    }
    write(line);
  };
}
