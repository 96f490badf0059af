import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Card } from '../components';
import { ApiError } from '../model';
import {
  emptyForm,
  errorsFromApi,
  formFromSpec,
  specFromForm,
  type FormErrors,
  type FormField,
  type PipelineForm,
} from '../pipeline-form-state';
import { store, useLive } from '../store';

interface FieldProps {
  field: FormField;
  label: string;
  form: PipelineForm;
  errors: FormErrors;
  set: (f: FormField, v: string) => void;
  hint?: string;
  disabled?: boolean;
  multiline?: boolean;
  placeholder?: string;
  /** A select of these [value, label] pairs instead of a text box. */
  options?: [string, string][];
}

function Field({
  field,
  label,
  form,
  errors,
  set,
  hint,
  disabled,
  multiline,
  placeholder,
  options,
}: FieldProps) {
  const id = `f-${field}`;
  const err = errors[field];
  const common = {
    id,
    name: field,
    value: form[field],
    disabled,
    placeholder,
    'aria-invalid': err ? true : undefined,
    'aria-describedby': err ? `${id}-error` : undefined,
    onInput: (e: Event) => set(field, (e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`field${err ? ' has-error' : ''}`} data-field={field}>
      <label for={id}>{label}</label>
      {options ? (
        <select {...common} onChange={common.onInput}>
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      ) : multiline ? (
        <textarea rows={2} {...common} />
      ) : (
        <input type="text" {...common} />
      )}
      {err ? (
        <div class="field-error" id={`${id}-error`} role="alert">
          {err}
        </div>
      ) : (
        hint && <div class="hint">{hint}</div>
      )}
    </div>
  );
}

/** Create a pipeline, or (with `name`) update one's spec, which starts a rollout. */
export function PipelineFormPage({ name }: { name?: string }) {
  const { snap } = useLive();
  const existing = name ? snap.pipelines.find((p) => p.pipeline?.spec?.name === name) : undefined;
  // The update form starts from the pipeline's spec; until that is known it is not shown at all,
  // so nobody types into an empty form that the spec then overwrites.
  const known = existing?.pipeline?.spec;
  const [form, setForm] = useState<PipelineForm>(() => (known ? formFromSpec(known) : emptyForm()));
  const [loaded, setLoaded] = useState(Boolean(known));
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (name && existing?.pipeline?.spec && !loaded) {
      setForm(formFromSpec(existing.pipeline.spec));
      setLoaded(true);
    }
  }, [name, existing, loaded]);

  const set = (f: FormField, v: string) => {
    setForm((prev) => ({ ...prev, [f]: v }));
    setErrors((prev) => ({ ...prev, [f]: undefined, form: undefined }));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = specFromForm(form);
    setErrors(r.errors);
    if (!r.spec) return;
    setBusy(true);
    try {
      if (name) {
        const res = await api.updatePipeline(r.spec, r.strategy);
        location.hash = `#/rollouts?focus=${encodeURIComponent(res.rolloutId ?? '')}`;
      } else {
        await api.createPipeline(r.spec);
        location.hash = `#/pipelines/${encodeURIComponent(r.spec.name ?? '')}`;
      }
      store.refresh();
    } catch (err) {
      setErrors(
        err instanceof ApiError ? errorsFromApi(err) : { form: (err as Error).message ?? String(err) },
      );
    } finally {
      setBusy(false);
    }
  };
  if (name && (!existing || !loaded))
    return (
      <div class="page" data-page="pipeline-form">
        <p class="empty">{snap.at === 0 || existing ? 'Loading…' : `Pipeline ${name} does not exist.`}</p>
      </div>
    );
  const p = { form, errors, set };
  return (
    <div class="page" data-page="pipeline-form">
      <Card title={name ? `Update ${name} (starts a rollout)` : 'New pipeline'}>
        <form onSubmit={(e) => void submit(e)} novalidate>
          {errors.form && (
            <div class="notice notice-error" role="alert" data-testid="form-error">
              {errors.form}
            </div>
          )}
          <div class="grid">
            <Field field="name" label="Name" {...p} disabled={Boolean(name)} placeholder="orders-enrich" />
            <Field field="tasks" label="Tasks" {...p} hint="at most one per input partition" />
            <Field field="inputTopic" label="Input topic" {...p} placeholder="orders" />
            <Field field="outputTopic" label="Output topic" {...p} placeholder="orders.enriched" />
            <Field
              field="transformName"
              label="Transform"
              {...p}
              hint="identity, suffix, or one a worker announces"
            />
            <Field field="transformVersion" label="Transform version" {...p} />
            <Field field="transformConfig" label="Transform config (JSON)" {...p} multiline />
            <Field
              field="guarantee"
              label="Processing guarantee"
              {...p}
              disabled={Boolean(name)}
              options={[
                ['EXACTLY_ONCE', 'exactly once (transactions)'],
                ['AT_LEAST_ONCE', 'at least once (no transactions)'],
              ]}
              hint={
                name
                  ? 'fixed at creation'
                  : 'fixed at creation; exactly once unless you need the last bit of speed'
              }
            />
            <Field field="deadLetterTopic" label="Dead-letter topic" {...p} hint="default: <name>.dlq" />
            <Field field="maxRecords" label="Batch max records" {...p} hint="default 20000" />
            <Field field="maxBytes" label="Batch max bytes" {...p} hint="default 16 MiB" />
            <Field field="lingerMs" label="Linger (ms)" {...p} hint="default 100" />
            {name && (
              <>
                <Field field="canaryTasks" label="Canary tasks" {...p} hint="default 1" />
                <Field field="stepTasks" label="Tasks per step" {...p} />
                <Field field="gateCommits" label="Commits per gate" {...p} />
              </>
            )}
          </div>
          <div class="actions">
            <a class="button" href={name ? `#/pipelines/${encodeURIComponent(name)}` : '#/'}>
              Cancel
            </a>
            <button type="submit" class="primary" disabled={busy}>
              {name ? 'Start rollout' : 'Create pipeline'}
            </button>
          </div>
        </form>
      </Card>
    </div>
  );
}
