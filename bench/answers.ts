// 2. Answers: form submissions through the web service at a fixed concurrency. For each, the time
// to the saved page, and the time until the pair's workflow acknowledged the answer: the same
// moment when the page says so (200), else when the answer is marked delivered (after a 202).
import { hashToken } from '../pairs/link-tokens';
import type { BenchStack } from './bench-stack';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
}

export interface AnswersResult {
  submissions: number;
  concurrency: number;
  saved: LatencySummary;
  acknowledged: LatencySummary;
  /** Answered 200 at once (acknowledged before the page), 202 (saved, delivered later), other. */
  statuses: Record<string, number>;
}

export function percentiles(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
  return { p50: at(50), p95: at(95), p99: at(99) };
}

async function acknowledgedAt(stack: BenchStack, tokenHash: string, startedAt: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const link = await stack.database.prisma.formLink.findUnique({ where: { tokenHash } });
    const answer = link ? await stack.database.prisma.answer.findUnique({ where: { formId: link.formId } }) : null;
    if (answer?.deliveredAt) return answer.deliveredAt.getTime() - startedAt;
    if (Date.now() > deadline) return NaN;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runAnswers(stack: BenchStack, formLinks: string[], concurrency: number): Promise<AnswersResult> {
  const saved: number[] = [];
  const acknowledged: number[] = [];
  const pendingChecks: Promise<void>[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const submit = async (link: string) => {
    const startedAt = Date.now();
    const response = await fetch(link, {
      method: 'POST',
      headers: { origin: stack.webUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'q.topics': 'The roadmap for next quarter', 'q.wins': 'Shipped the importer', 'q.energy': '4' }),
    });
    await response.text();
    const elapsed = Date.now() - startedAt;
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    if (response.status === 200) {
      saved.push(elapsed);
      acknowledged.push(elapsed);
    } else if (response.status === 202) {
      saved.push(elapsed);
      pendingChecks.push(acknowledgedAt(stack, hashToken(link.split('/forms/')[1] ?? ''), startedAt).then((ms) => void acknowledged.push(ms)));
    }
  };
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < formLinks.length) await submit(formLinks[next++]);
  });
  await Promise.all(lanes);
  await Promise.all(pendingChecks);
  return { submissions: formLinks.length, concurrency, saved: percentiles(saved), acknowledged: percentiles(acknowledged.filter(Number.isFinite)), statuses };
}
