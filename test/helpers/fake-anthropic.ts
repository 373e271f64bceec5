// A stand-in for the Anthropic Messages API on 127.0.0.1, for running the real Claude Code CLI with no network and
// no account: the "model" is a script. The main conversation (the request whose tools include Read) is answered
// step by step with the planned tool calls, one per turn, then with the text "done"; every tool_result Claude Code
// sends back is recorded so a test can assert on what the tool actually returned. Any other request (title
// generation, quota checks, token counting…) gets a short harmless answer, so Claude Code never stalls on one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One planned tool call: the tool's name and its input, as the model would send them. */
export interface ToolStep {
  name: string;
  input: Record<string, unknown>;
}

/** A tool result Claude Code sent back: which planned call it answers, its text, and whether it is an error. */
export interface RecordedToolResult {
  step: ToolStep;
  isError: boolean;
  text: string;
}

export interface FakeAnthropic {
  /** For ANTHROPIC_BASE_URL. */
  url: string;
  /** Results of the planned calls, in plan order (one per call that came back). */
  toolResults: RecordedToolResult[];
  /** Every request received (method, path, parsed body), for debugging a run that went elsewhere. */
  requests: { method: string; path: string; body: unknown }[];
  close(): Promise<void>;
}

interface Block {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}
interface Message {
  role: string;
  content: string | Block[];
}
interface Body {
  model?: string;
  stream?: boolean;
  tools?: { name?: string }[];
  messages?: Message[];
}

const blocks = (m: Message): Block[] =>
  typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;

/** A tool_result's content as text: a string, or the text blocks of a block list. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((c: Block) => (c.type === 'text' ? (c.text ?? '') : JSON.stringify(c))).join('\n');
  return content === undefined ? '' : JSON.stringify(content);
}

const toolId = (i: number) => `toolu_fake_${String(i).padStart(4, '0')}`;

export async function startFakeAnthropic(plan: ToolStep[]): Promise<FakeAnthropic> {
  const toolResults: RecordedToolResult[] = [];
  const requests: FakeAnthropic['requests'] = [];
  const seen = new Set<string>();

  /** The next assistant turn for a request: content blocks and stop reason. */
  function answer(body: Body): { content: Block[]; stop: string } {
    const isMain = (body.tools ?? []).some((t) => t.name === 'Read');
    if (!isMain) return { content: [{ type: 'text', text: 'ok' }], stop: 'end_turn' };
    // Record the results of our own calls (ids we issued), each once: Claude Code resends the whole history.
    let answered = 0;
    for (const m of body.messages ?? [])
      for (const b of m.role === 'user' ? blocks(m) : []) {
        const i =
          b.type === 'tool_result' && b.tool_use_id?.startsWith('toolu_fake_') ? Number(b.tool_use_id.slice(11)) : -1;
        if (i < 0 || !plan[i]) continue;
        answered = Math.max(answered, i + 1);
        if (seen.has(b.tool_use_id!)) continue;
        seen.add(b.tool_use_id!);
        toolResults.push({ step: plan[i], isError: b.is_error === true, text: resultText(b.content) });
      }
    const next = plan[answered];
    if (!next) return { content: [{ type: 'text', text: 'done' }], stop: 'end_turn' };
    return {
      content: [{ type: 'tool_use', id: toolId(answered), name: next.name, input: next.input }],
      stop: 'tool_use',
    };
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body: Body = {};
      try {
        body = raw ? (JSON.parse(raw) as Body) : {};
      } catch {}
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname + url.search, body });
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
        // count_tokens and anything else: a harmless JSON answer.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(url.pathname.endsWith('count_tokens') ? { input_tokens: 10 } : {}));
        return;
      }
      const { content, stop } = answer(body);
      const id = `msg_fake_${requests.length}`;
      const model = body.model ?? 'claude-sonnet-4-5';
      const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': id });
        res.end(
          JSON.stringify({
            id,
            type: 'message',
            role: 'assistant',
            model,
            content,
            stop_reason: stop,
            stop_sequence: null,
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': id });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('message_start', {
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage,
        },
      });
      content.forEach((b, index) => {
        if (b.type === 'text') {
          send('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'text', text: '' },
          });
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: b.text },
          });
        } else {
          send('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
          });
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) },
          });
        }
        send('content_block_stop', { type: 'content_block_stop', index });
      });
      send('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: 5 },
      });
      send('message_stop', { type: 'message_stop' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    toolResults,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
