// Deploying an application on a stack: choose a package, then fill in the settings its
// schema declares (a field per setting, by type; secrets are masked). Only the settings
// filled in are sent: the package's defaults apply to the others.
import { useEffect, useState, type FormEvent } from 'react';
import { Button, Card, Checkbox, Group, NumberInput, PasswordInput, Select, Text, TextInput, Title } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import type { GetChatList, PackageSummary, PackageWithSchema, SettingSchema } from './getchat';

type Value = string | number | boolean;

function kindOf(schema: SettingSchema): 'number' | 'boolean' | 'text' {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('integer') || types.includes('number')) return 'number';
  if (types.length === 1 && types[0] === 'boolean') return 'boolean';
  return 'text';
}

function label(name: string, schema: SettingSchema): string {
  return schema.title ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function DeployForm({ stackId, onDeployed }: { stackId: number; onDeployed(): Promise<void> }) {
  const [packages, setPackages] = useState<PackageSummary[] | null>(null);
  const [packageId, setPackageId] = useState<string | null>(null);
  const [chosen, setChosen] = useState<PackageWithSchema | null>(null);
  const [values, setValues] = useState<Record<string, Value>>({});
  const load = useSubmit(async () => {
    setPackages((await api<GetChatList<PackageSummary>>('GET', '/integration/packages?paginated=true&limit=100')).data);
  });
  // Once, when the form appears.
  useEffect(() => { void load.run(); }, []);
  useEffect(() => {
    setChosen(null);
    setValues({});
    if (!packageId) return;
    let current = true;
    void api<PackageWithSchema>('GET', `/integration/packages/${packageId}`).then((found) => { if (current) setChosen(found); });
    return () => { current = false; };
  }, [packageId]);

  const deploy = useSubmit(async () => {
    const settings = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    await api('POST', `/integration/stacks/${stackId}/applications`, { package_id: Number(packageId), settings });
    setPackageId(null);
    await onDeployed();
  }, { success: 'The application is being deployed.' });

  const properties = Object.entries(chosen?.settings_schema.properties ?? {});
  const required = chosen?.settings_schema.required ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void deploy.run();
  };
  const settingError = (name: string) => deploy.fieldError(`settings.${name}`) ?? deploy.fieldError(`/settings/${name}`);
  return (
    <Card withBorder maw={640}>
      <Title order={2} size="h4" mb="sm">Deploy an application</Title>
      {load.error && <FormError error={load.error} />}
      {packages && packages.length === 0 && <Text>No package can be deployed yet: the site's managers define them.</Text>}
      {packages && packages.length > 0 && (
        <form onSubmit={submit} noValidate>
          <Select label="Package" placeholder="Choose a package" data={packages.map((p) => ({ value: String(p.id), label: p.name }))}
            value={packageId} onChange={setPackageId} error={deploy.fieldError('package_id')} mb="sm" required />
          {properties.map(([name, schema]) => {
            const common = { label: label(name, schema), description: schema.description, required: required.includes(name), error: settingError(name), mb: 'sm' };
            const kind = kindOf(schema);
            if (kind === 'boolean') {
              return <Checkbox key={name} {...common} checked={values[name] === true} onChange={(e) => setValues({ ...values, [name]: e.currentTarget.checked })} />;
            }
            if (kind === 'number') {
              return <NumberInput key={name} {...common} min={schema.minimum} max={schema.maximum} value={typeof values[name] === 'number' ? values[name] : ''}
                onChange={(v) => setValues({ ...values, [name]: typeof v === 'number' ? v : '' })} />;
            }
            const Input = schema['x-secret'] ? PasswordInput : TextInput;
            return <Input key={name} {...common} value={String(values[name] ?? '')} onChange={(e) => setValues({ ...values, [name]: e.currentTarget.value })} />;
          })}
          <FormError error={deploy.error} fields={['package_id', ...properties.flatMap(([n]) => [`settings.${n}`, `/settings/${n}`])]} />
          <Group mt="md"><Button type="submit" loading={deploy.busy} disabled={!chosen}>Deploy</Button></Group>
        </form>
      )}
    </Card>
  );
}
