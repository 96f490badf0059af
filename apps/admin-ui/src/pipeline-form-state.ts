/**
 * The pipeline form, free of the DOM so unit tests cover it: values <-> spec, and API errors ->
 * the field they name.
 */
import type { Guarantee, PipelineSpec, RolloutStrategy } from './model';

/** The form's fields, as typed (strings), keyed by the names errors are shown against. */
export interface PipelineForm {
  name: string;
  inputTopic: string;
  outputTopic: string;
  tasks: string;
  transformName: string;
  transformVersion: string;
  transformConfig: string;
  deadLetterTopic: string;
  maxRecords: string;
  maxBytes: string;
  lingerMs: string;
  canaryTasks: string;
  stepTasks: string;
  gateCommits: string;
  guarantee: Guarantee;
}

export type FormField = keyof PipelineForm;
export type FormErrors = Partial<Record<FormField | 'form', string>>;

export const emptyForm = (): PipelineForm => ({
  name: '',
  inputTopic: '',
  outputTopic: '',
  tasks: '1',
  transformName: 'identity',
  transformVersion: '1',
  transformConfig: '{}',
  deadLetterTopic: '',
  maxRecords: '',
  maxBytes: '',
  lingerMs: '',
  canaryTasks: '',
  stepTasks: '',
  gateCommits: '',
  guarantee: 'EXACTLY_ONCE',
});

const str = (n: number | undefined) => (n ? String(n) : '');

/** The form filled from an existing pipeline (the update form). */
export function formFromSpec(spec: PipelineSpec): PipelineForm {
  return {
    ...emptyForm(),
    name: spec.name ?? '',
    inputTopic: spec.inputTopic ?? '',
    outputTopic: spec.outputTopic ?? '',
    tasks: str(spec.tasks) || '1',
    transformName: spec.transform?.name ?? '',
    transformVersion: str(spec.transform?.version) || '1',
    transformConfig: JSON.stringify(spec.transform?.config ?? {}),
    deadLetterTopic: spec.deadLetterTopic ?? '',
    maxRecords: str(spec.batching?.maxRecords),
    maxBytes: str(spec.batching?.maxBytes),
    lingerMs: str(spec.batching?.lingerMs),
    guarantee: spec.guarantee ?? 'EXACTLY_ONCE',
  };
}

export interface FormResult {
  spec?: PipelineSpec;
  strategy?: RolloutStrategy;
  errors: FormErrors;
}

/**
 * The spec (and rollout strategy) the form describes. Only what the browser must parse is checked
 * here (numbers, the config's JSON); names, topics and transforms are the controller's to judge,
 * and its errors come back through `errorsFromApi`.
 */
export function specFromForm(f: PipelineForm): FormResult {
  const errors: FormErrors = {};
  const int = (field: FormField, optional: boolean): number | undefined => {
    const raw = String(f[field]).trim();
    if (raw === '') {
      if (!optional) errors[field] = 'is required';
      return undefined;
    }
    if (!/^\d+$/.test(raw)) {
      errors[field] = `"${raw}" is not a whole number`;
      return undefined;
    }
    return Number(raw);
  };
  const tasks = int('tasks', false);
  const version = int('transformVersion', false);
  const maxRecords = int('maxRecords', true);
  const maxBytes = int('maxBytes', true);
  const lingerMs = int('lingerMs', true);
  const canaryTasks = int('canaryTasks', true);
  const stepTasks = int('stepTasks', true);
  const gateCommits = int('gateCommits', true);
  let config: Record<string, unknown> = {};
  const rawConfig = f.transformConfig.trim();
  if (rawConfig) {
    try {
      const v = JSON.parse(rawConfig) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) errors.transformConfig = 'must be a JSON object';
      else config = v as Record<string, unknown>;
    } catch (err) {
      errors.transformConfig = `not valid JSON (${(err as Error).message})`;
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  const spec: PipelineSpec = {
    name: f.name.trim(),
    inputTopic: f.inputTopic.trim(),
    outputTopic: f.outputTopic.trim(),
    tasks,
    transform: { name: f.transformName.trim(), version, config },
    deadLetterTopic: f.deadLetterTopic.trim(),
    guarantee: f.guarantee,
  };
  if (maxRecords || maxBytes || lingerMs) spec.batching = { maxRecords, maxBytes, lingerMs };
  const strategy: RolloutStrategy | undefined =
    canaryTasks || stepTasks || gateCommits ? { canaryTasks, stepTasks, gateCommits } : undefined;
  return { spec, strategy, errors };
}

const API_FIELDS: [RegExp, FormField][] = [
  [/^spec\.name$/, 'name'],
  [/^spec\.inputTopic$/, 'inputTopic'],
  [/^spec\.outputTopic$/, 'outputTopic'],
  [/^spec\.tasks$/, 'tasks'],
  [/^spec\.transform\.name$/, 'transformName'],
  [/^spec\.transform$/, 'transformName'],
  [/^spec\.transform\.version$/, 'transformVersion'],
  [/^spec\.transform\.config(\..*)?$/, 'transformConfig'],
  [/^spec\.deadLetterTopic$/, 'deadLetterTopic'],
  [/^spec\.guarantee$/, 'guarantee'],
  [/^spec\.batching\.maxRecords$/, 'maxRecords'],
  [/^spec\.batching\.maxBytes$/, 'maxBytes'],
  [/^spec\.batching\.lingerMs$/, 'lingerMs'],
  [/^strategy\.canaryTasks$/, 'canaryTasks'],
  [/^strategy\.stepTasks$/, 'stepTasks'],
  [/^strategy\.gateCommits$/, 'gateCommits'],
];

/** The form field an API error names (`spec.inputTopic` -> inputTopic); others go to the form. */
export function errorsFromApi(err: { message: string; field?: string }): FormErrors {
  const hit = err.field ? API_FIELDS.find(([re]) => re.test(err.field!)) : undefined;
  if (!hit) return { form: err.message };
  // Beside the field, its name in front of the message ("spec.inputTopic: ...") says nothing new.
  const prefix = `${err.field}: `;
  return { [hit[1]]: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message };
}
