import { Command, InvalidArgumentError, Option } from 'commander';
import { Format, FORMATS } from './output';

/** --format table|json, on every command that prints data. */
export function formatOption(): Option {
  return new Option('--format <format>', 'how to print the result')
    .choices(FORMATS as Format[])
    .default('table');
}

/** A command that prints data: the --format option added. */
export function dataCommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).addOption(formatOption());
}

/** For repeatable options: `--scope a --scope b` (or `--scope a,b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ];
}

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('a whole number of at least 1');
  }
  return Number(value);
}

export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}
