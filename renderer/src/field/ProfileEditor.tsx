/**
 * The user's own Modbus profiles: a register map as JSON (the format of docs/field-modbus-serial.md),
 * started from the selected profile or a template, checked by the core as a whole and saved beside
 * the database. A shipped name saved here overrides the shipped profile for this database.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiProblem, client } from '../api.ts';

const TEMPLATE = {
  name: 'my-meter',
  description: 'What this meter is',
  registers: [{ id: 'power', name: 'Active power', fc: 4, address: 0, dataType: 'float32', order: 'ABCD', unit: 'kW' }],
};

export function ProfileEditor({ start, onSaved }: { start: object | undefined; onSaved: (name: string) => void }) {
  const queries = useQueryClient();
  const [text, setText] = useState(() => JSON.stringify(start ?? TEMPLATE, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setProblem(null);
    let profile: unknown;
    try {
      profile = JSON.parse(text);
    } catch (e) {
      setProblem(`not valid JSON: ${(e as Error).message}`);
      return;
    }
    if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
      setProblem('a profile is a JSON object with a name and registers');
      return;
    }
    setBusy(true);
    try {
      const saved = await client.field.saveProfile.mutate({ profile: profile as Record<string, unknown> });
      await queries.invalidateQueries({ queryKey: ['field', 'profiles'] });
      onSaved(saved.name);
    } catch (e) {
      setProblem(apiProblem(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="profile-editor" data-testid="profile-editor">
      <textarea value={text} onChange={(e) => setText(e.target.value)} rows={12} spellCheck={false} aria-label="Profile as JSON" data-testid="profile-json" />
      {problem && (
        <div className="field-error" data-testid="profile-error">
          {problem}
        </div>
      )}
      <button type="button" className="btn" onClick={() => void save()} disabled={busy} data-testid="profile-save">
        Save profile
      </button>
    </div>
  );
}
