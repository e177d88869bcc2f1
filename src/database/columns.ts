import { Column, ColumnOptions, PrimaryColumn } from 'typeorm';

/**
 * Column helpers that mean the same on SQLite and MySQL. Ids are UUIDs made in code (not by the
 * database) so both drivers behave alike; times are millisecond DATETIMEs stored in UTC.
 */
export const IdColumn = () => PrimaryColumn({ type: 'varchar', length: 36 });
export const RefColumn = (name: string, options: ColumnOptions = {}) =>
  Column({ name, type: 'varchar', length: 36, ...options });
export const TimeColumn = (name: string, options: ColumnOptions = {}) =>
  Column({ name, type: 'datetime', precision: 3, ...options });
